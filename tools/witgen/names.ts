// WIT kebab-case names to AssemblyScript identifiers, as the AS std names things:
// PascalCase types, camelCase functions and fields, UPPER_SNAKE enum members.

const RESERVED = new Set([
  "break", "case", "catch", "class", "const", "continue", "debugger", "default", "delete", "do",
  "else", "enum", "export", "extends", "false", "finally", "for", "function", "if", "import", "in",
  "instanceof", "new", "null", "return", "super", "switch", "this", "throw", "true", "try", "typeof",
  "var", "void", "while", "with", "let", "static", "yield", "await", "abstract", "as", "declare",
  "namespace", "type", "module", "interface", "implements", "package", "private", "protected", "public",
]);

/** Names a keyword maps to; `ip link del` is what readers expect of `delete`. Others get "_". */
const RENAMED: Record<string, string> = { delete: "del" };

const words = (name: string): string[] => name.split("-").filter(Boolean);
const cap = (w: string): string => w.charAt(0).toUpperCase() + w.slice(1);

export function pascal(name: string): string {
  return words(name).map(cap).join("");
}

export function camel(name: string): string {
  const [first = "", ...rest] = words(name);
  const id = first + rest.map(cap).join("");
  return RESERVED.has(id) ? (RENAMED[id] ?? `${id}_`) : id;
}

export function upperSnake(name: string): string {
  return words(name).map((w) => w.toUpperCase()).join("_");
}

/** A doc comment block for `docs` (WIT `///` lines), indented by `indent`. */
export function docComment(docs: string, indent = ""): string {
  if (!docs.trim()) return "";
  const lines = docs.split("\n");
  if (lines.length === 1) return `${indent}/** ${lines[0]} */\n`;
  return `${indent}/**\n${lines.map((l) => `${indent} *${l ? ` ${l}` : ""}`).join("\n")}\n${indent} */\n`;
}
