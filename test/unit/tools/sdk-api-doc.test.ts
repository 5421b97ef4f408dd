// tools/sdk-api-doc: guest-plugins/sdk/API.md is what the generator makes from the SDK's source
// now (CI fails when someone changes an exported name or its doc comment without `npm run gen`),
// and the reader handles the declaration forms the SDK uses.
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { API_DOC, generateApiDoc, parseDecls } from "../../../tools/sdk-api-doc/generate";

const ROOT = resolve(import.meta.dirname, "../../..");

describe("SDK API reference", () => {
  it("regenerating API.md from the SDK's source changes nothing", () => {
    expect(readFileSync(join(ROOT, API_DOC), "utf8")).toBe(generateApiDoc(ROOT).text);
  });

  it("lists every folder of the package index, in its order, and counts the undocumented names", () => {
    const doc = generateApiDoc(ROOT);
    const folders = [...doc.text.matchAll(/^## (\w+)$/gm)].map((m) => m[1]);
    expect(folders).toEqual(["abi", "bindings", "json", "netip", "types", "ns", "ip", "ipam", "skel", "hash", "cluster", "Undocumented"]);
    expect(doc.text).toContain(`${doc.names} names and members, ${doc.undocumented} of them undocumented.`);
    for (const name of doc.undocumentedNames) expect(doc.text).toContain(`- ${name}`);
  });

  it("documents a re-exported function, a namespace member and a class method with their signatures", () => {
    const { text } = generateApiDoc(ROOT);
    expect(text).toContain("### `okUnit` (function)\n\n```ts\nfunction okUnit<E>(): Result<Unit, E>\n```\n\nThe ok of a `result<_, E>`");
    expect(text).toMatch(/#### `link\.create` \(function\)\n\n```ts\nfunction create\(ns: NetnsId, spec: LinkSpec\): Result<LinkInfo, HostError>\n```/);
    expect(text).toContain("- `valueOr(fallback: T): T`: The ok value, or `fallback` on err.");
    expect(text).not.toMatch(/liftLinkInfo|cabi_realloc/); // @unsafe glue and internals stay out
  });

  it("reads decorators, one-line bodies, namespaces, enums and types; leaves out @unsafe and private members", () => {
    const src = [
      "// a file comment, not a doc",
      "import { x } from \"./x\";",
      "",
      "/** The answer. */",
      "// @ts-ignore: decorator",
      "@lazy @inline export const ANSWER: u32 = 42;",
      "// @ts-ignore: decorator",
      "@lazy @inline const HIDDEN = \"not exported\";",
      "",
      "// @ts-ignore: decorator",
      "@unsafe",
      "export function lift(src: usize): u32 {",
      "  return load<u32>(src);",
      "}",
      "",
      "/**",
      " * Adds.",
      " * Twice over lines.",
      " */",
      "export function add(",
      "  a: i32,",
      "  b: i32 = 1,",
      "): i32 {",
      "  if (a) {",
      "    return a;",
      "  }",
      "  return a + b;",
      "}",
      "export function id(s: string): string { return s; }",
      "",
      "export class Box<T> {",
      "  constructor(readonly value: T) {}",
      "  /** The count. */",
      "  count: i32 = 0;",
      "  private _hidden: i32 = 0;",
      "  private helper(): void {",
      "    return;",
      "  }",
      "  // @ts-ignore: decorator",
      "  @operator(\"==\")",
      "  static eq(a: Box<T>, b: Box<T>): bool { return a.value == b.value; }",
      "  get isSet(): bool {",
      "    return true;",
      "  }",
      "}",
      "",
      "export enum Kind {",
      "  /** The first. */",
      "  A = 0,",
      "  B = 1,",
      "}",
      "export type Id = u32;",
      "export namespace Codes {",
      "  // @ts-ignore: decorator",
      "  @lazy @inline export const ONE: u32 = 1;",
      "}",
    ].join("\n");
    const { decls } = parseDecls(src);
    expect(decls.map((d) => [d.kind, d.name, d.sig, d.doc])).toEqual([
      ["const", "ANSWER", "const ANSWER: u32 = 42", "The answer."],
      ["function", "add", "function add(a: i32, b: i32 = 1): i32", "Adds.\nTwice over lines."],
      ["function", "id", "function id(s: string): string", null],
      ["class", "Box", "class Box<T>", null],
      ["enum", "Kind", "enum Kind", null],
      ["type", "Id", "type Id = u32", null],
      ["namespace", "Codes", "namespace Codes", null],
    ]);
    const member = (name: string) => decls.find((d) => d.name === name)!.members.map((m) => [m.sig, m.doc]);
    expect(member("Box")).toEqual([
      ["constructor(readonly value: T)", null],
      ["count: i32", "The count."],
      ["static eq(a: Box<T>, b: Box<T>): bool", null],
      ["get isSet(): bool", null],
    ]);
    expect(member("Kind")).toEqual([["A = 0", "The first."], ["B = 1", null]]);
    expect(member("Codes")).toEqual([["const ONE: u32 = 1", null]]);
  });
});
