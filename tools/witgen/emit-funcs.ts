// Function glue: typed wrappers over imported host functions, and the core exports that lift
// the arguments, call the plugin's handler and lower its result into a static return area.
import type { Func, TypeRef } from "./ast";
import { MAX_FLAT_PARAMS, MAX_FLAT_RESULTS, alignment, flatten, size, tupleLayout, type CoreType } from "./abi";
import type { AsTypes } from "./as-types";
import { AbiEmitter, indent } from "./emit-abi";
import { camel, docComment } from "./names";

const GLUE_NAMES = new Set([
  "mark", "release", "track", "freeReceived", "utf8Length", "utf8Encode", "storeString", "liftString",
  "loadString", "allocList", "allocArea", "beginReturn", "endReturn", "ok", "err", "okUnit", "UNIT",
]);

interface Sig { params: CoreType[]; results: CoreType[]; spillParams: boolean; retptr: boolean }

/** The lowered core signature of a function (flatten_functype). */
export function coreSig(ty: AsTypes, f: Func, dir: "import" | "export"): Sig {
  let params = f.params.flatMap((p) => flatten(ty.m, p.type));
  let results = f.result ? flatten(ty.m, f.result) : [];
  const spillParams = params.length > MAX_FLAT_PARAMS;
  if (spillParams) params = ["i32"];
  const retptr = results.length > MAX_FLAT_RESULTS;
  if (retptr) {
    if (dir === "import") { params = [...params, "i32"]; results = []; }
    else results = ["i32"];
  }
  return { params, results, spillParams, retptr };
}

/** The AS signature of a wrapper or handler: `(ns: NetnsId, spec: LinkSpec): Result<...>`. */
export function asSignature(ty: AsTypes, f: Func): string {
  for (const p of f.params) if (GLUE_NAMES.has(camel(p.name))) throw new Error(`parameter name ${p.name} clashes with the glue`);
  return `(${f.params.map((p) => `${camel(p.name)}: ${ty.of(p.type)}`).join(", ")}): ${f.result ? ty.of(f.result) : "void"}`;
}

/** Extern declaration and wrapper of an imported function; `retArea` is the file's static area. */
export function emitImport(ty: AsTypes, module: string, f: Func, retArea: string): string {
  const abi = new AbiEmitter(ty);
  const sig = coreSig(ty, f, "import");
  const ext = `_${camel(f.name)}`;
  const ret = sig.results[0] ?? "void";
  let s = `// @ts-ignore: decorator\n@external("${module}", "${f.name}")\n` +
    `declare function ${ext}(${sig.params.map((t, i) => `p${i}: ${t}`).join(", ")}): ${ret};\n\n`;
  s += docComment(f.docs) + `export function ${camel(f.name)}${asSignature(ty, f)} {\n`;
  let body = `const _mark = ${ty.ctx.glue("mark")}();\n`;
  const args: string[] = [];
  if (sig.spillParams) {
    const lay = tupleLayout(ty.m, f.params.map((p) => p.type));
    body += `const _args = ${ty.ctx.glue("allocArea")}(${lay.size});\n`;
    f.params.forEach((p, i) => (body += abi.lowerMem(p.type, camel(p.name), "_args", lay.offsets[i]!)));
    args.push("<i32>_args");
  } else {
    let k = 0;
    for (const p of f.params) {
      const flat = flatten(ty.m, p.type);
      const slots = flat.map((_, j) => `_p${k + j}`);
      body += flat.map((ft, j) => `let ${slots[j]}: ${ft} = 0;\n`).join("");
      body += abi.lowerFlat(p.type, camel(p.name), slots);
      args.push(...slots);
      k += flat.length;
    }
  }
  if (sig.retptr) args.push(`<i32>${retArea}`);
  const call = `${ext}(${args.join(", ")})`;
  if (!f.result) {
    body += `${call};\n${ty.ctx.glue("release")}(_mark);\n`;
  } else if (sig.retptr) {
    body += `${call};\n${ty.ctx.glue("release")}(_mark);\nreturn ${abi.liftMem(f.result, retArea, 0)};\n`;
  } else {
    body += `const _r = ${call};\n${ty.ctx.glue("release")}(_mark);\nreturn ${abi.liftFlat(f.result, ["_r"])};\n`;
  }
  return s + indent(body) + "}\n";
}

/** Size and alignment of the static area a result needs (0 when returned flat). */
export function retAreaNeed(ty: AsTypes, f: Func, dir: "import" | "export"): { size: number; align: number } {
  if (!f.result || !coreSig(ty, f, dir).retptr) return { size: 0, align: 1 };
  return { size: size(ty.m, f.result), align: alignment(ty.m, f.result) };
}

/**
 * Core export `name` and its `cabi_post_<name>`: lifts the arguments (freeing what the host
 * allocated), calls `dispatch`, lowers the result (tracked blocks freed in post-return).
 */
export function emitExport(ty: AsTypes, f: Func, dispatch: string): string {
  const abi = new AbiEmitter(ty);
  const sig = coreSig(ty, f, "export");
  const params = sig.params.map((t, i) => `p${i}: ${t}`).join(", ");
  const ret = sig.results[0] ?? "void";
  let body = `${ty.ctx.glue("beginReturn")}();\n`;
  const args: string[] = [];
  if (sig.spillParams) {
    const lay = tupleLayout(ty.m, f.params.map((p) => p.type));
    f.params.forEach((p, i) => {
      body += `const _a${i} = ${abi.liftMem(p.type, "<usize>p0", lay.offsets[i]!)};\n`;
      args.push(`_a${i}`);
    });
    body += `${ty.ctx.glue("freeReceived")}(<usize>p0, ${lay.size});\n`;
  } else {
    let k = 0;
    f.params.forEach((p, i) => {
      const n = flatten(ty.m, p.type).length;
      body += `const _a${i} = ${abi.liftFlat(p.type, Array.from({ length: n }, (_, j) => `p${k + j}`))};\n`;
      args.push(`_a${i}`);
      k += n;
    });
  }
  const call = `${dispatch}(${args.join(", ")})`;
  let post = "";
  if (!f.result) {
    body += `${call};\n${ty.ctx.glue("endReturn")}();\n`;
  } else {
    const area = `_RET_${camel(f.name).toUpperCase()}`;
    body += `const _r = ${call};\n`;
    if (sig.retptr) {
      const { size: sz, align } = retAreaNeed(ty, f, "export");
      body += abi.lowerMem(f.result, "_r", area, 0) + `return <i32>${area};\n`;
      post = `const ${area} = memory.data(${sz}, ${align});\n\n`;
    } else {
      const flat = flatten(ty.m, f.result as TypeRef);
      body += `let _o: ${flat[0]} = 0;\n` + abi.lowerFlat(f.result, "_r", ["_o"]) + "return _o;\n";
    }
  }
  let s = post + docComment(f.docs) + `export function ${f.name}(${params}): ${ret} {\n${indent(body)}}\n`;
  if (f.result) {
    s += `\n/** Frees what ${f.name} returned, once the host has read it. */\n` +
      `export function cabi_post_${f.name}(${ret === "void" ? "" : `ret: ${ret}`}): void {\n  ${ty.ctx.glue("endReturn")}();\n}\n`;
  }
  return s;
}
