import { describe, expect, it } from "vitest";
import { embedManifest, ManifestError, MANIFEST_SECTION, parseManifest } from "../../../host/runtime/manifest";
import { readComponentSections } from "../../../host/runtime/component-binary";

const EMPTY_COMPONENT = Buffer.from([0x00, 0x61, 0x73, 0x6d, 0x0d, 0x00, 0x01, 0x00]);
const bytes = (v: unknown): Buffer => Buffer.from(JSON.stringify(v));

describe("plugin manifest", () => {
  it("reads name, version and capabilities, defaulting capabilities to none stated", () => {
    expect(parseManifest(bytes({ name: "p", version: "1.2.0", capabilities: { hostNetns: true, sysctl: ["net.ipv4.ip_forward"] } })))
      .toEqual({ name: "p", version: "1.2.0", capabilities: { hostNetns: true, sysctl: ["net.ipv4.ip_forward"] } });
    expect(parseManifest(bytes({ name: "p" }))).toEqual({ name: "p", capabilities: {} });
  });

  it("a manifest that is not JSON or breaks the schema is a ManifestError naming the field", () => {
    expect(() => parseManifest(Buffer.from("{"))).toThrow(ManifestError);
    expect(() => parseManifest(bytes({ name: "p", capabilities: { hostNetns: "yes" } }))).toThrow(/capabilities\.hostNetns/);
    expect(() => parseManifest(bytes({ version: "1" }))).toThrow(/"name" is required/);
  });

  it("embeds as the wasm-cni:manifest custom section and reads back", () => {
    const m = { name: "p", capabilities: { linkKinds: ["veth"] } };
    const out = embedManifest(EMPTY_COMPONENT, m);
    const section = readComponentSections(out).custom.get(MANIFEST_SECTION);
    expect(section && parseManifest(section)).toEqual(m);
  });

  it("refuses to embed a broken manifest", () => {
    expect(() => embedManifest(EMPTY_COMPONENT, { capabilities: {} })).toThrow(ManifestError);
  });
});
