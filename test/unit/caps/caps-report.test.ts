import { describe, expect, it } from "vitest";
import { CATALOG } from "../../../host/caps/catalog";
import { capsReport, entryFor, renderCapsReport } from "../../../host/cli/caps-report";
import { renderTable, wrapText } from "../../../host/cli/text-table";

describe("caps report", () => {
  const report = capsReport();

  it("lists every catalogued function once, grouped by interface, with the WIT signature", () => {
    const fns = report.interfaces.flatMap((i) => i.functions.map((f) => f.fn));
    expect(fns.sort()).toEqual(Object.keys(CATALOG).sort());
    const create = report.interfaces.find((i) => i.name === "link")?.functions.find((f) => f.fn === "link.create");
    expect(create).toMatchObject({ risk: "high", signature: "func(ns: netns-id, spec: link-spec) -> result<link-info, host-error>" });
    expect(report.package).toBe("cni:host@0.1.0");
    expect(report.typeOnly).toEqual(["types", "verbs", "cluster"]);
  });

  it("rates an interface at its riskiest function", () => {
    const risk = Object.fromEntries(report.interfaces.map((i) => [i.name, i.risk]));
    expect(risk).toMatchObject({ log: "none", link: "high", netns: "high", store: "medium", ipam: "medium" });
  });

  it("the table names every function and its interface's import name", () => {
    const text = renderCapsReport(report);
    for (const fn of Object.keys(CATALOG)) expect(text).toContain(fn);
    expect(text).toContain("cni:host/sysctl (risk high; world plugin, controller)");
    expect(text).toContain("cni:host/firewall (risk high; world plugin)");
  });

  it("entryFor fails loudly for a function the catalog lacks", () => {
    expect(() => entryFor("link.teleport")).toThrow(/no entry for link.teleport/);
  });
});

describe("text table", () => {
  it("wraps long cells at spaces and pads columns", () => {
    expect(wrapText("aaa bbb ccc", 7)).toEqual(["aaa bbb", "ccc"]);
    expect(wrapText("abcdefghij", 4)).toEqual(["abcd", "efgh", "ij"]);
    expect(renderTable([{ title: "a" }, { title: "b", width: 5 }], [["x", "one two"], ["long", "z"]])).toBe(
      "A     B\nx     one\n      two\nlong  z\n",
    );
  });
});
