// Recursive-descent parser for the WIT subset in ast.ts: one package spread over several files,
// interfaces (use, type, record, variant, enum, flags, func) and worlds (import/export of
// interfaces and functions, use). Unsupported items (resources, includes) fail with a location.
import { tokenize, type Token } from "./lexer";
import {
  PRIMS, type Case, type Func, type Interface, type Package, type Param, type Prim, type Scope,
  type TypeDef, type TypeRef, type Use, type World, type WorldItem,
} from "./ast";

class Parser {
  private pos = 0;
  constructor(private readonly toks: Token[], private readonly file: string) {}

  private peek(k = 0): Token { return this.toks[Math.min(this.pos + k, this.toks.length - 1)]!; }
  private next(): Token { return this.toks[this.pos++]!; }
  fail(msg: string, t: Token = this.peek()): never {
    throw new Error(`${this.file}:${t.line}: ${msg} (at ${JSON.stringify(t.text)})`);
  }
  private is(text: string): boolean { return this.peek().text === text; }
  private eat(text: string): boolean {
    if (!this.is(text)) return false;
    this.pos++;
    return true;
  }
  private expect(text: string): Token {
    if (!this.is(text)) this.fail(`expected ${JSON.stringify(text)}`);
    return this.next();
  }
  /** An identifier, without its `%` escape. */
  ident(): string {
    const t = this.next();
    if (t.kind !== "id") this.fail("expected an identifier", t);
    return t.text.startsWith("%") ? t.text.slice(1) : t.text;
  }
  atEnd(): boolean { return this.peek().kind === "eof"; }
  docs(): string { return this.peek().docs; }

  packageDecl(): { namespace: string; name: string; version: string | null } | null {
    if (!this.is("package")) return null;
    this.next();
    const namespace = this.ident();
    this.expect(":");
    const name = this.ident();
    const version = this.eat("@") ? this.next().text : null;
    this.expect(";");
    return { namespace, name, version };
  }

  type(): TypeRef {
    const t = this.next();
    const word = t.text.startsWith("%") ? t.text.slice(1) : t.text;
    if (t.kind !== "id") this.fail("expected a type", t);
    if (!t.text.startsWith("%") && (PRIMS as readonly string[]).includes(word)) return { kind: "prim", name: word as Prim };
    if (t.text === "list" || t.text === "option") {
      this.expect("<");
      const elem = this.type();
      this.expect(">");
      return { kind: t.text, elem };
    }
    if (t.text === "result") {
      if (!this.eat("<")) return { kind: "result", ok: null, err: null };
      const ok = this.eat("_") ? null : this.type();
      const err = this.eat(",") ? (this.eat("_") ? null : this.type()) : null;
      this.expect(">");
      return { kind: "result", ok, err };
    }
    if (t.text === "tuple") {
      this.expect("<");
      const elems = [this.type()];
      while (this.eat(",")) elems.push(this.type());
      this.expect(">");
      return { kind: "tuple", elems };
    }
    if (["borrow", "own", "future", "stream", "resource"].includes(t.text)) this.fail(`${t.text} is not supported`, t);
    return { kind: "named", name: word };
  }

  /** `{ a, b, }` or `{ a(T), b }` items with docs. */
  private cases(withPayload: boolean, withType: boolean): Case[] {
    this.expect("{");
    const out: Case[] = [];
    while (!this.is("}")) {
      const docs = this.docs();
      const name = this.ident();
      let type: TypeRef | null = null;
      if (withType) {
        this.expect(":");
        type = this.type();
      } else if (withPayload && this.eat("(")) {
        type = this.type();
        this.expect(")");
      }
      out.push({ name, type, docs });
      if (!this.eat(",")) break;
    }
    this.expect("}");
    return out;
  }

  use(): Use {
    this.expect("use");
    const from = this.ident();
    if (this.is(":") || this.is("@")) this.fail("use of another package is not supported");
    this.expect(".");
    this.expect("{");
    const names: Use["names"] = [];
    while (!this.is("}")) {
      const name = this.ident();
      const as = this.eat("as") ? this.ident() : name;
      names.push({ name, as });
      if (!this.eat(",")) break;
    }
    this.expect("}");
    this.expect(";");
    return { from, names };
  }

  /** A type definition, or null when the next item is not one. */
  typeDef(): TypeDef | null {
    const docs = this.docs();
    const kw = this.peek().text;
    if (!["type", "record", "variant", "enum", "flags"].includes(kw) || this.peek(1).text === ":") return null;
    this.next();
    const name = this.ident();
    switch (kw) {
      case "type": {
        this.expect("=");
        const type = this.type();
        this.expect(";");
        return { kind: "alias", name, docs, type };
      }
      case "record":
        return { kind: "record", name, docs, fields: this.cases(false, true).map((c) => ({ ...c, type: c.type! })) };
      case "variant":
        return { kind: "variant", name, docs, cases: this.cases(true, false) };
      case "enum":
        return { kind: "enum", name, docs, cases: this.cases(false, false) };
      default:
        return { kind: "flags", name, docs, flags: this.cases(false, false) };
    }
  }

  /** `name: func(params) -> result;` after the name and colon. */
  func(name: string, docs: string): Func {
    this.expect("func");
    this.expect("(");
    const params: Param[] = [];
    while (!this.is(")")) {
      const pname = this.ident();
      this.expect(":");
      params.push({ name: pname, type: this.type() });
      if (!this.eat(",")) break;
    }
    this.expect(")");
    const result = this.eat("->") ? this.type() : null;
    this.expect(";");
    return { name, docs, params, result };
  }

  interfaceBody(iface: Interface): void {
    this.expect("{");
    while (!this.eat("}")) {
      if (this.is("use")) { iface.uses.push(this.use()); continue; }
      const def = this.typeDef();
      if (def) { iface.types.push(def); continue; }
      if (this.is("resource")) this.fail("resources are not supported");
      const docs = this.docs();
      const name = this.ident();
      this.expect(":");
      iface.funcs.push(this.func(name, docs));
    }
  }

  worldBody(world: World): void {
    this.expect("{");
    while (!this.eat("}")) {
      if (this.is("use")) { world.uses.push(this.use()); continue; }
      const def = this.typeDef();
      if (def) { world.types.push(def); continue; }
      const docs = this.docs();
      const dir = this.next().text;
      if (dir !== "import" && dir !== "export") this.fail(`${dir} in a world is not supported`);
      const list = dir === "import" ? world.imports : world.exports;
      const name = this.ident();
      if (this.eat(":")) {
        if (this.is("interface")) this.fail("inline interfaces are not supported");
        list.push({ kind: "func", func: this.func(name, docs) } satisfies WorldItem);
      } else {
        if (this.is(":") || this.is("/")) this.fail("imports of other packages are not supported");
        this.expect(";");
        list.push({ kind: "interface", name });
      }
    }
  }
}

const scope = (name: string, docs: string): Scope => ({ name, docs, uses: [], types: [] });

/** Parses the files of one WIT package ({ path: text }) into one Package. */
export function parsePackage(files: Record<string, string>): Package {
  const pkg: Package = { namespace: "", name: "", version: null, interfaces: [], worlds: [] };
  for (const [file, text] of Object.entries(files)) {
    const p = new Parser(tokenize(text, file), file);
    const decl = p.packageDecl();
    if (decl) {
      if (pkg.name && (decl.namespace !== pkg.namespace || decl.name !== pkg.name || decl.version !== pkg.version)) {
        p.fail(`package ${decl.namespace}:${decl.name} differs from ${pkg.namespace}:${pkg.name}`);
      }
      Object.assign(pkg, decl);
    }
    while (!p.atEnd()) {
      const docs = p.docs();
      const kw = p.ident();
      if (kw === "interface") {
        const iface: Interface = { ...scope(p.ident(), docs), funcs: [] };
        p.interfaceBody(iface);
        pkg.interfaces.push(iface);
      } else if (kw === "world") {
        const world: World = { ...scope(p.ident(), docs), imports: [], exports: [] };
        p.worldBody(world);
        pkg.worlds.push(world);
      } else {
        p.fail(`${kw} at top level is not supported`);
      }
    }
  }
  if (!pkg.name) throw new Error("no package declaration");
  return pkg;
}
