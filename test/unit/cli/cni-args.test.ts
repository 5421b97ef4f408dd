import { describe, expect, test } from "vitest";
import { cniArgsProblem, kubernetesPod, parseCniArgs } from "../../../host/cli/cni-args";
import { cli, envFor } from "./fake-cli";

/** What kubelet's CRI runtimes (containerd, CRI-O) put in CNI_ARGS for every pod. */
const KUBELET_ARGS =
  "IgnoreUnknown=1;K8S_POD_NAMESPACE=default;K8S_POD_NAME=web-0;K8S_POD_INFRA_CONTAINER_ID=4f2c9a;K8S_POD_UID=0b5e6f3a-1c2d-4e5f-8a9b-0c1d2e3f4a5b";

describe("parseCniArgs", () => {
  test.each([
    ["", []],
    ["A=1", [["A", "1"]]],
    ["A=", [["A", ""]]],
    ["A=1;A=2", [["A", "1"], ["A", "2"]]],
    ["UNKNOWN_KEY=x;IgnoreUnknown=0", [["UNKNOWN_KEY", "x"], ["IgnoreUnknown", "0"]]],
    ["IgnoreUnknown=TRUE", [["IgnoreUnknown", "TRUE"]]],
    ["ignoreunknown=yes", [["ignoreunknown", "yes"]]],
    ["K=a b,c", [["K", "a b,c"]]],
  ])("%j parses to ordered pairs", (value, pairs) => {
    expect(parseCniArgs(value)).toEqual(pairs);
  });

  test.each([
    ["FOO", 'has an invalid pair "FOO" (expected K=V;K2=V2)'],
    ["A=B=C", 'has an invalid pair "A=B=C" (expected K=V;K2=V2)'],
    ["=B", 'has an invalid pair "=B" (expected K=V;K2=V2)'],
    ["A=1;", 'has an invalid pair "" (expected K=V;K2=V2)'],
    [";A=1", 'has an invalid pair "" (expected K=V;K2=V2)'],
    ["A=1;;B=2", 'has an invalid pair "" (expected K=V;K2=V2)'],
    [";", 'has an invalid pair "" (expected K=V;K2=V2)'],
    ["IgnoreUnknown=yes", 'has an invalid IgnoreUnknown value "yes" (expected 1, true, 0 or false)'],
    ["IgnoreUnknown=", 'has an invalid IgnoreUnknown value "" (expected 1, true, 0 or false)'],
    ["A=1;IgnoreUnknown=2", 'has an invalid IgnoreUnknown value "2" (expected 1, true, 0 or false)'],
  ])("%j fails with code 4: CNI_ARGS %s", (value, problem) => {
    expect(cniArgsProblem(value)).toBe(problem);
    expect(() => parseCniArgs(value)).toThrow(expect.objectContaining({ code: 4, msg: `CNI_ARGS ${problem}` }));
  });
});

describe("kubernetesPod", () => {
  test("reads the four K8S_POD_* keys", () => {
    expect(kubernetesPod(parseCniArgs(KUBELET_ARGS))).toEqual({
      namespace: "default",
      name: "web-0",
      infraContainerId: "4f2c9a",
      uid: "0b5e6f3a-1c2d-4e5f-8a9b-0c1d2e3f4a5b",
    });
  });

  test("the last of a repeated key wins, as LoadArgs sets the field in order", () => {
    expect(kubernetesPod([["K8S_POD_NAME", "a"], ["K8S_POD_NAME", "b"]])).toEqual({ name: "b" });
  });

  test.each([[[]], [[["IP", "10.0.0.2"]]], [[["constructor", "x"], ["__proto__", "y"]]]])("%j names no pod", (args) => {
    expect(kubernetesPod(args as [string, string][])).toBeUndefined();
  });
});

describe("CNI_ARGS through the CLI", () => {
  test("kubelet's args reach the runner as pairs, unknown keys included, with the pod", async () => {
    const r = await cli({ env: envFor("ADD", { CNI_ARGS: `${KUBELET_ARGS};IP=10.1.0.9` }) });
    expect(r.code).toBe(0);
    expect(r.calls[0]?.args).toEqual([...parseCniArgs(KUBELET_ARGS), ["IP", "10.1.0.9"]]);
    expect(r.calls[0]?.pod).toMatchObject({ namespace: "default", name: "web-0" });
  });

  test("without K8S_POD_* keys the call has no pod", async () => {
    const r = await cli({ env: envFor("DEL", { CNI_ARGS: "IgnoreUnknown=true" }) });
    expect(r.calls[0]).not.toHaveProperty("pod");
  });

  test.each(["ADD", "DEL", "CHECK"])("%s with IgnoreUnknown=yes fails with code 4 before the plugin runs", async (verb) => {
    const r = await cli({ env: envFor(verb, { CNI_ARGS: "IgnoreUnknown=yes" }) });
    expect(r.json()).toMatchObject({ code: 4, msg: 'CNI_ARGS has an invalid IgnoreUnknown value "yes" (expected 1, true, 0 or false)' });
    expect(r.calls).toHaveLength(0);
  });

  test.each(["GC", "STATUS"])("%s ignores a malformed CNI_ARGS it does not use", async (verb) => {
    const r = await cli({ env: envFor(verb, { CNI_ARGS: "bad" }) });
    expect(r.code).toBe(0);
    expect(r.calls[0]?.args).toEqual([]);
  });
});
