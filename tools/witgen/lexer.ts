// Tokenizer for WIT: identifiers (with the `%` escape), punctuation, `->`, doc comments.

export interface Token {
  kind: "id" | "punct" | "eof";
  text: string;
  /** `///` doc lines directly before this token, joined with "\n". */
  docs: string;
  line: number;
}

const PUNCT = new Set(["{", "}", "(", ")", "<", ">", ",", ";", ":", "=", ".", "/", "@", "*", "_"]);

export function tokenize(src: string, file: string): Token[] {
  const out: Token[] = [];
  let docs: string[] = [];
  let line = 1;
  let i = 0;
  const fail = (msg: string): never => {
    throw new Error(`${file}:${line}: ${msg}`);
  };
  while (i < src.length) {
    const c = src[i]!;
    if (c === "\n") { line++; i++; continue; }
    if (/\s/.test(c)) { i++; continue; }
    if (src.startsWith("///", i) && src[i + 3] !== "/") {
      const end = src.indexOf("\n", i);
      const text = src.slice(i + 3, end < 0 ? src.length : end);
      docs.push(text.startsWith(" ") ? text.slice(1) : text);
      i = end < 0 ? src.length : end;
      continue;
    }
    if (src.startsWith("//", i)) {
      const end = src.indexOf("\n", i);
      i = end < 0 ? src.length : end;
      continue;
    }
    if (src.startsWith("/*", i)) {
      const end = src.indexOf("*/", i + 2);
      if (end < 0) fail("unterminated block comment");
      for (let k = i; k < end; k++) if (src[k] === "\n") line++;
      i = end + 2;
      continue;
    }
    if (src.startsWith("->", i)) {
      out.push({ kind: "punct", text: "->", docs: docs.join("\n"), line });
      docs = [];
      i += 2;
      continue;
    }
    const m = /^%?[a-zA-Z][a-zA-Z0-9-]*|^[0-9][0-9a-zA-Z.+-]*/.exec(src.slice(i, i + 200));
    if (m) {
      out.push({ kind: "id", text: m[0], docs: docs.join("\n"), line });
      docs = [];
      i += m[0].length;
      continue;
    }
    if (PUNCT.has(c)) {
      out.push({ kind: "punct", text: c, docs: docs.join("\n"), line });
      docs = [];
      i++;
      continue;
    }
    fail(`unexpected character ${JSON.stringify(c)}`);
  }
  out.push({ kind: "eof", text: "", docs: "", line });
  return out;
}
