// The SDK's API reference (guest-plugins/sdk/API.md), made from its source: what the package
// index re-exports, folder by folder, each name with its signature and its `/** */` comment.
// asc's parser drops comments and TypeScript 7 has no compiler API in JS, so this reads the
// SDK's own layout: top-level declarations start at column 0, a body opened at the end of a
// header line closes at the next `}` line of the same indent (the formatter keeps it so).
import { readFileSync } from "node:fs";
import { join, posix } from "node:path";

export const SDK_DIR = "guest-plugins/sdk";
export const API_DOC = `${SDK_DIR}/API.md`;

type Kind = "function" | "class" | "enum" | "const" | "type" | "namespace";

interface Member { sig: string; doc: string | null }

interface Decl {
  name: string;
  kind: Kind;
  sig: string;
  doc: string | null;
  members: Member[];
}

interface Entry { name: string; decl: Decl }

interface Section {
  /** a namespace export (`import * as link from "./link"; export { link }`) */
  namespace?: { name: string; doc: string | null; decls: Decl[] };
  entry?: Entry;
}

interface Module { name: string; intro: string; sections: Section[] }

export interface ApiDoc {
  text: string;
  /** exported names and public members */
  names: number;
  undocumented: number;
  /** exported names (not members) without a doc comment */
  undocumentedNames: string[];
}

const collapse = (s: string): string => s.replace(/\s+/g, " ").replace(/\(\s+/g, "(").replace(/,?\s*\)/g, ")").trim();
const stripComments = (s: string): string => s.replace(/\/\*[\s\S]*?\*\//g, "").replace(/\/\/[^\n]*/g, "");

function docText(lines: string[]): string {
  return lines.join("\n").replace(/^\s*\/\*\*\s?/, "").replace(/\s*\*\/\s*$/, "")
    .split("\n").map((l) => l.replace(/^\s*\* ?/, "").trimEnd()).join("\n").trim();
}

/** Index of the line closing a body opened on line `open` (the next `}` line at its indent). */
function bodyEnd(lines: string[], open: number): number {
  const indent = /^\s*/.exec(lines[open]!)![0];
  for (let i = open + 1; i < lines.length; i++) if (lines[i]!.startsWith(indent + "}")) return i;
  throw new Error(`sdk-api-doc: no closing "}" for: ${lines[open]!.trim()}`);
}

/** From line `i`, the lines up to the one that ends the header (`{`, `;`, `{}` or `}`). */
function headerEnd(lines: string[], i: number): number {
  for (let j = i; j < lines.length; j++) if (/(\{|;|\})\s*$/.test(lines[j]!)) return j;
  return i;
}

/** A header without its one-line body: up to the first `{` outside the parameter list, once one was seen. */
function cutBody(header: string): string {
  let depth = 0;
  let params = false;
  for (let i = 0; i < header.length; i++) {
    const c = header[i]!;
    if (c === "(") { depth++; params = true; } else if (c === ")") depth--;
    else if (c === "{" && depth === 0 && params) return header.slice(0, i).trimEnd();
  }
  return header;
}

const dedent = (lines: string[], by: number): string[] => lines.map((l) => l.slice(Math.min(by, /^\s*/.exec(l)![0].length)));

/** Public members of a class body (dedented): fields, constructor, methods, accessors. */
function classMembers(body: string[]): Member[] {
  const members: Member[] = [];
  let doc: string | null = null;
  let unsafe = false;
  for (let i = 0; i < body.length; i++) {
    const line = body[i]!;
    const t = line.trim();
    if (line.startsWith(" ") || t === "") { if (t === "") doc = null; continue; }
    if (t.startsWith("/**")) {
      let j = i;
      while (!body[j]!.includes("*/")) j++;
      doc = docText(body.slice(i, j + 1));
      i = j;
      continue;
    }
    if (t.startsWith("//")) continue;
    if (t.startsWith("@")) {
      if (/@unsafe\b/.test(t)) unsafe = true;
      if (/^(@\w+(\([^)]*\))?\s*)+$/.test(t)) continue;
    }
    const end = headerEnd(body, i);
    const header = body.slice(i, end + 1).join("\n");
    const hidden = unsafe || /^(@\w+(\([^)]*\))?\s*)*(private|protected)\b/.test(t) || /^(@\w+(\([^)]*\))?\s*)*((static|readonly|get|set)\s+)*_/.test(t);
    const opens = /\{\s*$/.test(body[end]!);
    if (!hidden) {
      let sig = cutBody(stripComments(header).replace(/^(@\w+(\([^)]*\))?\s*)+/, "")).replace(/\s*;\s*$/, "");
      if (!/\(/.test(sig.split(/[=:]/)[0]!)) sig = sig.replace(/\s*=[\s\S]*$/, ""); // a field: its type, not its initial value
      members.push({ sig: collapse(sig), doc });
    }
    doc = null;
    unsafe = false;
    i = opens ? bodyEnd(body, end) : end;
  }
  return members;
}

/** Enum members, with their comments. */
function enumMembers(body: string[]): Member[] {
  const members: Member[] = [];
  let doc: string | null = null;
  for (let i = 0; i < body.length; i++) {
    const t = body[i]!.trim();
    if (t.startsWith("/**")) {
      let j = i;
      while (!body[j]!.includes("*/")) j++;
      doc = docText(body.slice(i, j + 1));
      i = j;
    } else if (/^\w+/.test(t)) {
      members.push({ sig: t.replace(/,\s*$/, ""), doc });
      doc = null;
    }
  }
  return members;
}

interface FileDecls { doc: string | null; decls: Decl[] }

/** The exported declarations of a source text (top level, column 0), `@unsafe` ones left out. */
export function parseDecls(text: string): FileDecls {
  const lines = text.split("\n");
  const decls: Decl[] = [];
  let fileDoc: string | null = null;
  let doc: string | null = null;
  let unsafe = false;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.trim() === "") { doc = null; continue; }
    if (/^\s/.test(line)) continue;
    if (line.startsWith("/**")) {
      let j = i;
      while (!lines[j]!.includes("*/")) j++;
      doc = docText(lines.slice(i, j + 1));
      i = j;
      if (fileDoc === null && decls.length === 0 && /^import\b/.test(lines[i + 1] ?? "")) { fileDoc = doc; doc = null; }
      continue;
    }
    if (line.startsWith("//")) continue;
    let t = line;
    if (t.startsWith("@")) {
      if (/@unsafe\b/.test(t)) unsafe = true;
      t = t.replace(/^(@\w+(\([^)]*\))?\s*)+/, "");
      if (t === "") continue;
    }
    const m = /^export\s+(?:declare\s+)?(?:abstract\s+)?(function|class|enum|const|let|type|namespace)\s+(\w+)/.exec(t);
    const end = headerEnd(lines, i);
    const opens = /\{\s*$/.test(lines[end]!);
    if (m && !unsafe) {
      const kind: Kind = m[1] === "let" ? "const" : (m[1] as Kind);
      const header = [t, ...lines.slice(i + 1, end + 1)].join("\n");
      const bare = stripComments(header).replace(/^export\s+/, "");
      let sig = collapse(kind === "function" ? cutBody(bare) : bare.replace(/\s*\{\s*$/, ""));
      const decl: Decl = { name: m[2]!, kind, sig, doc, members: [] };
      if (opens) {
        const close = bodyEnd(lines, end);
        const body = dedent(lines.slice(end + 1, close), 2);
        if (kind === "class") decl.members = classMembers(body);
        else if (kind === "enum") decl.members = enumMembers(body);
        else if (kind === "namespace") decl.members = parseDecls(body.join("\n")).decls.map((d) => ({ sig: d.sig, doc: d.doc }));
      }
      if (kind === "const") {
        // the value too when it is short (an error code, a message), else only the type
        sig = sig.replace(/;$/, "");
        const value = /=\s*(.*)$/.exec(sig)?.[1] ?? "";
        decl.sig = value.length > 60 ? sig.replace(/\s*=.*$/, "") : sig;
      }
      if (kind === "type") decl.sig = sig.replace(/;$/, "");
      decls.push(decl);
    }
    doc = null;
    unsafe = false;
    i = opens ? bodyEnd(lines, end) : end;
  }
  return { doc: fileDoc, decls };
}

/** The leading `//` comment of an index file (not the generated-file header). */
function leadingComment(text: string): string {
  const out: string[] = [];
  for (const line of text.split("\n")) {
    if (!line.startsWith("//")) break;
    if (line.startsWith("// generated by")) continue;
    out.push(line.replace(/^\/\/\s?/, ""));
  }
  return out.join(" ").trim();
}

function readModule(root: string, indexPath: string, name: string): Module {
  const sdk = join(root, SDK_DIR);
  const text = readFileSync(join(sdk, indexPath), "utf8");
  const dir = posix.dirname(indexPath);
  const cache = new Map<string, FileDecls>();
  const declsOf = (spec: string): FileDecls => {
    const file = posix.join(dir, spec.endsWith(".ts") ? spec : `${spec}.ts`);
    if (!cache.has(file)) cache.set(file, parseDecls(readFileSync(join(sdk, file), "utf8")));
    return cache.get(file)!;
  };
  const nsImports = new Map<string, string>();
  for (const m of text.matchAll(/import\s*\*\s*as\s+(\w+)\s+from\s*"([^"]+)"/g)) nsImports.set(m[1]!, m[2]!);

  const sections: Section[] = [];
  const re = /export\s*\*\s*from\s*"([^"]+)"|export\s*\{([^}]*)\}\s*(?:from\s*"([^"]+)")?/g;
  for (const m of stripComments(text).matchAll(re)) {
    if (m[1] !== undefined) {
      for (const d of declsOf(m[1]).decls) sections.push({ entry: { name: d.name, decl: d } });
      continue;
    }
    for (const part of (m[2] ?? "").split(",").map((s) => s.trim()).filter(Boolean)) {
      const [orig = part, alias = orig] = part.split(/\s+as\s+/);
      if (m[3] === undefined) {
        const spec = nsImports.get(orig);
        if (spec === undefined) throw new Error(`sdk-api-doc: ${indexPath} exports ${orig}, not a namespace import`);
        const f = declsOf(spec);
        sections.push({ namespace: { name: alias, doc: f.doc, decls: f.decls } });
        continue;
      }
      const decl = declsOf(m[3]).decls.find((d) => d.name === orig);
      if (decl === undefined) throw new Error(`sdk-api-doc: ${indexPath} re-exports ${orig} from ${m[3]}, where no exported declaration of it was found`);
      sections.push({ entry: { name: alias, decl } });
    }
  }
  // a folder whose index declares its API itself
  for (const d of parseDecls(text).decls) sections.push({ entry: { name: d.name, decl: d } });
  return { name, intro: leadingComment(text), sections };
}

const UNDOCUMENTED = "*undocumented*";

function renderMembers(members: Member[], count: (doc: string | null) => void): string[] {
  return members.map((mb) => {
    count(mb.doc);
    return `- \`${mb.sig}\`: ${mb.doc === null ? UNDOCUMENTED : mb.doc.replace(/\s*\n\s*/g, " ")}`;
  });
}

function renderDecl(title: string, d: Decl, level: string, count: (doc: string | null) => void): string[] {
  count(d.doc);
  const out = [`${level} ${title}`, "", "```ts", d.sig, "```", "", d.doc ?? UNDOCUMENTED, ""];
  if (d.members.length) out.push(...renderMembers(d.members, count), "");
  return out;
}

/** API.md for the SDK under `root`, and how many names lack a doc comment. */
export function generateApiDoc(root: string): ApiDoc {
  const index = readFileSync(join(root, SDK_DIR, "index.ts"), "utf8");
  const modules = [...stripComments(index).matchAll(/export\s*\*\s*from\s*"\.\/([\w-]+)\/index"/g)]
    .map((m) => readModule(root, `${m[1]}/index.ts`, m[1]!));
  let names = 0;
  let undocumented = 0;
  const count = (doc: string | null): void => { names++; if (doc === null) undocumented++; };
  /** exported names (not members) without a doc comment, listed at the end */
  const missing: string[] = [];

  const body: string[] = [];
  for (const mod of modules) {
    body.push(`## ${mod.name}`, "");
    if (mod.intro) body.push(mod.intro, "");
    for (const s of mod.sections) {
      if (s.entry) {
        if (s.entry.decl.doc === null) missing.push(`${mod.name}: \`${s.entry.name}\``);
        body.push(...renderDecl(`\`${s.entry.name}\` (${s.entry.decl.kind})`, s.entry.decl, "###", count));
      }
      if (s.namespace) {
        const ns = s.namespace;
        count(ns.doc);
        if (ns.doc === null) missing.push(`${mod.name}: \`${ns.name}\``);
        body.push(`### \`${ns.name}\` (namespace)`, "", ns.doc ?? UNDOCUMENTED, "");
        for (const d of ns.decls) {
          if (d.doc === null) missing.push(`${mod.name}: \`${ns.name}.${d.name}\``);
          body.push(...renderDecl(`\`${ns.name}.${d.name}\` (${d.kind})`, d, "####", count));
        }
      }
    }
  }
  body.push("## Undocumented", "", "Exported names without a doc comment (members without one are marked where they are listed):", "");
  body.push(...(missing.length ? missing.map((m) => `- ${m}`) : ["(none)"]), "");
  const head = [
    "# @wasm-cni/sdk API reference",
    "",
    "<!-- generated by tools/sdk-api-doc from the SDK's source (npm run gen); do not edit -->",
    "",
    "Every name the package index (`@wasm-cni/sdk`) exports, folder by folder in the order of",
    "`index.ts`, with its signature and its doc comment. Members are the public ones; the",
    "`@unsafe` ABI glue is left out (plugins are built with `--noUnsafe`).",
    `${names} names and members, ${undocumented} of them undocumented.`,
    "",
    ...modules.map((m) => `- [${m.name}](#${m.name})`),
    "- [Undocumented](#undocumented)",
    "",
  ];
  return { text: [...head, ...body].join("\n").replace(/\n+$/, "\n"), names, undocumented, undocumentedNames: missing };
}
