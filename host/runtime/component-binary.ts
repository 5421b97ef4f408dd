/**
 * Reads what a reviewer needs from a component's bytes without instantiating or transpiling
 * it: the interfaces it imports (its capability list), its top-level custom sections (the
 * `wasm-cni:manifest`) and its top-level core modules (the code a pinned plugin may run:
 * pin.ts). A few lines of the component binary format suffice, so `inspect` needs neither jco
 * (a build-time tool, not installed with the binary) nor a Wasm engine. Only the top level is
 * read: nested components are skipped by size.
 */

/** `\0asm`, then the component layer's version 0x0d and layer 1 (core modules say 1, 0). */
const MAGIC = [0x00, 0x61, 0x73, 0x6d];
const COMPONENT_VERSION = [0x0d, 0x00, 0x01, 0x00];

const SECTION_CUSTOM = 0;
const SECTION_CORE_MODULE = 1;
const SECTION_IMPORT = 10;

/** The bytes are not a component we can read (a core module, truncated, something else). */
export class ComponentFormatError extends Error {
  override readonly name = "ComponentFormatError";
}

export interface ComponentSections {
  /** Imported instances named `ns:pkg/iface[@version]`, version dropped, sorted: "cni:host/link". */
  imports: string[];
  /** Top-level custom sections by name (the last one wins). */
  custom: Map<string, Uint8Array>;
  /**
   * The bytes of each top-level core module section, in order: whole core modules, byte for
   * byte what jco extracts into the plugin's folder (wit-component's shims among them).
   */
  coreModules: Uint8Array[];
}

class Reader {
  pos = 0;
  constructor(readonly bytes: Uint8Array) {}

  byte(): number {
    const b = this.bytes[this.pos++];
    if (b === undefined) throw new ComponentFormatError("unexpected end of the component");
    return b;
  }

  /** Unsigned LEB128, at most 32 bits. */
  u32(): number {
    let result = 0;
    for (let shift = 0; shift < 35; shift += 7) {
      const b = this.byte();
      result += (b & 0x7f) * 2 ** shift;
      if ((b & 0x80) === 0) return result;
    }
    throw new ComponentFormatError("LEB128 value longer than 32 bits");
  }

  string(): string {
    const n = this.u32();
    if (this.pos + n > this.bytes.length) throw new ComponentFormatError("string runs past the end");
    const s = Buffer.from(this.bytes.subarray(this.pos, this.pos + n)).toString("utf8");
    this.pos += n;
    return s;
  }
}

/** Skips an `externdesc` (the import's type): sort byte, then one index or bound. */
function skipExternDesc(r: Reader): void {
  const sort = r.byte();
  switch (sort) {
    case 0x00: r.byte(); r.u32(); return; // core module: 0x11 typeidx
    case 0x01: case 0x04: case 0x05: r.u32(); return; // func, component, instance: typeidx
    case 0x02: r.byte(); r.u32(); return; // value bound: eq i | t
    case 0x03: if (r.byte() === 0x00) r.u32(); return; // type bound: eq i | sub resource
    default: throw new ComponentFormatError(`unknown import sort 0x${sort.toString(16)}`);
  }
}

function readImports(r: Reader, end: number, into: Set<string>): void {
  const count = r.u32();
  for (let i = 0; i < count && r.pos < end; i++) {
    const form = r.byte(); // 0x00 name, 0x01 name + version suffix
    const name = r.string();
    if (form === 0x01) r.string();
    skipExternDesc(r);
    if (/^[a-z0-9-]+:[a-z0-9-]+\/[a-z0-9-]+(@.*)?$/.test(name)) into.add(name.replace(/@.*$/, ""));
  }
}

/** The imports and custom sections of a component; throws ComponentFormatError otherwise. */
export function readComponentSections(bytes: Uint8Array): ComponentSections {
  if (bytes.length < 8 || MAGIC.some((b, i) => bytes[i] !== b)) throw new ComponentFormatError("not a WebAssembly binary");
  if (COMPONENT_VERSION.some((b, i) => bytes[4 + i] !== b)) {
    throw new ComponentFormatError("a core WebAssembly module, not a component (build it with jco new / wasm-tools component new)");
  }
  const r = new Reader(bytes);
  r.pos = 8;
  const imports = new Set<string>();
  const custom = new Map<string, Uint8Array>();
  const coreModules: Uint8Array[] = [];
  while (r.pos < bytes.length) {
    const id = r.byte();
    const size = r.u32();
    const end = r.pos + size;
    if (end > bytes.length) throw new ComponentFormatError(`section ${id} runs past the end`);
    if (id === SECTION_IMPORT) readImports(r, end, imports);
    if (id === SECTION_CORE_MODULE) coreModules.push(bytes.subarray(r.pos, end));
    if (id === SECTION_CUSTOM) {
      const name = r.string();
      custom.set(name, bytes.subarray(r.pos, end));
    }
    r.pos = end;
  }
  return { imports: [...imports].sort(), custom, coreModules };
}

function leb(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n = Math.floor(n / 128);
    if (n > 0) b |= 0x80;
    out.push(b);
  } while (n > 0);
  return out;
}

/** `bytes` with a custom section appended: valid anywhere at the top level of a component. */
export function appendCustomSection(bytes: Uint8Array, name: string, payload: Uint8Array): Uint8Array {
  const nameBytes = Buffer.from(name, "utf8");
  const body = Buffer.concat([Buffer.from(leb(nameBytes.length)), nameBytes, payload]);
  return Buffer.concat([bytes, Buffer.from([SECTION_CUSTOM, ...leb(body.length)]), body]);
}
