// AssemblyScript declarations of WIT type definitions: records as classes with defaulted fields
// (so `new X()` and object literals work), variants as a class with a tag enum, static
// constructors and checked accessors, enums as enums, flags as u32 bit constants, aliases as
// type aliases. Records and variants also get exported @unsafe lift/lower functions.
import type { TypeDef } from "./ast";
import type { AbiEmitter } from "./emit-abi";
import { indent } from "./emit-abi";
import type { AsTypes } from "./as-types";
import { camel, docComment, pascal, upperSnake } from "./names";

export function emitTypeDef(ty: AsTypes, abi: AbiEmitter, iface: string, d: TypeDef): string {
  const name = pascal(d.name);
  const docs = docComment(d.docs);
  const self = { kind: "named" as const, name: d.name, iface };
  switch (d.kind) {
    case "alias":
      return `${docs}export type ${name} = ${ty.of(d.type)};\n`;
    case "enum":
      return `${docs}export enum ${name} {\n${d.cases.map((c, i) => `${docComment(c.docs, "  ")}  ${upperSnake(c.name)} = ${i},\n`).join("")}}\n`;
    case "flags":
      return `${docs}export type ${name} = u32;\n` +
        d.flags.map((f, i) => `${docComment(f.docs)}export const ${upperSnake(d.name)}_${upperSnake(f.name)}: ${name} = ${2 ** i};\n`).join("");
    case "record": {
      const fields = d.fields.map((f) => `${docComment(f.docs, "  ")}  ${camel(f.name)}: ${ty.of(f.type)} = ${ty.defaultValue(f.type)};\n`);
      return `${docs}export class ${name} {\n${fields.join("")}}\n\n` + liftLower(ty, abi, self, name);
    }
    case "variant": {
      const tag = `${name}Tag`;
      const tags = `export enum ${tag} {\n${d.cases.map((c, i) => `  ${upperSnake(c.name)} = ${i},\n`).join("")}}\n\n`;
      const store = d.cases.filter((c) => c.type).map((c) => {
        const t = ty.of(c.type!);
        return ty.isRef(c.type!) ? `  private _${camel(c.name)}: ${t} | null = null;\n` : `  private _${camel(c.name)}: ${t} = ${ty.defaultValue(c.type!)};\n`;
      });
      const members = d.cases.map((c) => {
        const n = camel(c.name);
        const T = upperSnake(c.name);
        let s = `\n${docComment(c.docs, "  ")}  static ${n}(${c.type ? `payload: ${ty.of(c.type)}` : ""}): ${name} {\n` +
          `    const v = new ${name}(${tag}.${T});\n${c.type ? `    v._${n} = payload;\n` : ""}    return v;\n  }\n\n` +
          `  get is${pascal(c.name)}(): bool {\n    return this.tag == ${tag}.${T};\n  }\n`;
        if (c.type) {
          s += `\n  /** The payload of ${c.name}; traps on another case. */\n  get ${n}(): ${ty.of(c.type)} {\n` +
            `    if (this.tag != ${tag}.${T}) throw new Error(${ty.ctx.glue("E_VARIANT_CASE")});\n` +
            `    return this._${n}${ty.isRef(c.type) ? "!" : ""};\n  }\n`;
        }
        return s;
      });
      return `${tags}${docs}export class ${name} {\n  constructor(readonly tag: ${tag}) {}\n${store.join("")}${members.join("")}}\n\n` +
        liftLower(ty, abi, self, name);
    }
  }
}

function liftLower(ty: AsTypes, abi: AbiEmitter, self: { kind: "named"; name: string; iface: string }, name: string): string {
  return `// @ts-ignore: decorator\n@unsafe\nexport function lift${name}(src: usize): ${name} {\n${abi.liftMemBody(self, "src")}}\n\n` +
    `// @ts-ignore: decorator\n@unsafe\nexport function lower${name}(v: ${name}, dst: usize): void {\n${indent(abi.lowerMemBody(self, "v", "dst"))}}\n`;
}
