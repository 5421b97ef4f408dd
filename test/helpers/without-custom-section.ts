// A component without one of its top-level custom sections: the plugins we ship all carry a
// manifest (wasm-cni:manifest) now, and some tests need a component that has none.

/** LEB128 unsigned at `at`: [value, the position after it]. */
function leb(bytes: Uint8Array, at: number): [number, number] {
  let value = 0, shift = 0, pos = at;
  for (;;) {
    if (pos >= bytes.length) throw new Error("truncated LEB128");
    const b = bytes[pos++]!;
    value |= (b & 0x7f) << shift;
    shift += 7;
    if (b < 0x80) return [value, pos];
  }
}

/** `component` without its top-level custom sections named `name`. */
export function withoutCustomSection(component: Uint8Array, name: string): Buffer {
  const kept: Uint8Array[] = [component.subarray(0, 8)]; // magic, version, layer
  for (let pos = 8; pos < component.length;) {
    const [size, body] = leb(component, pos + 1);
    const end = body + size;
    const custom = component[pos] === 0 ? leb(component, body) : null;
    const named = custom !== null && Buffer.from(component.subarray(custom[1], custom[1] + custom[0])).toString("utf8") === name;
    if (!named) kept.push(component.subarray(pos, end));
    pos = end;
  }
  return Buffer.concat(kept);
}
