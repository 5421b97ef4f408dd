// A prestarted host's kept modules (keepCompiled) are used only while the plugin's files are
// the very ones they were compiled from.
import { cpSync, mkdtempSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { keepCompiled, precompileComponent } from "../../../host/runtime/load-component";
import { buildPluginUnderTest } from "../../helpers/plugin-under-test";

let source: string;
beforeAll(async () => {
  source = join(await buildPluginUnderTest("loopback"), "loopback");
}, 120_000);

/** A private copy of the built plugin folder, so that a test may change its files; older than a freshly changed file (which is never kept). */
async function copy(): Promise<string> {
  const dir = join(mkdtempSync(join(tmpdir(), "kept-")), "loopback");
  cpSync(source, dir, { recursive: true });
  await new Promise((r) => setTimeout(r, 150));
  return dir;
}

describe("runtime/load-component: modules kept by a prestarted host", () => {
  it("an unchanged plugin gets the kept module, without a compile", async () => {
    const dir = await copy();
    keepCompiled(dir);
    const [a, b] = [await precompileComponent(dir), await precompileComponent(dir)];
    expect(a.module).toBe(b.module);
  });

  it("a main module rewritten in place, or replaced by a rename, is compiled afresh from the new bytes", async () => {
    const dir = await copy();
    keepCompiled(dir);
    const kept = await precompileComponent(dir);
    const main = join(dir, kept.meta.main);
    writeFileSync(main, readFileSync(main)); // same bytes, but a write: ctime moves on
    const rewritten = await precompileComponent(dir);
    expect(rewritten.module).not.toBe(kept.module);

    await new Promise((r) => setTimeout(r, 150));
    keepCompiled(dir);
    const again = await precompileComponent(dir);
    expect((await precompileComponent(dir)).module).toBe(again.module);
    writeFileSync(`${main}.new`, readFileSync(main));
    renameSync(`${main}.new`, main); // a new inode
    expect((await precompileComponent(dir)).module).not.toBe(again.module);
  });

  it("a plugin changed in the last 100 ms is not kept (ctime's clock is coarse)", async () => {
    const dir = await copy();
    const main = join(dir, (await precompileComponent(dir)).meta.main);
    writeFileSync(main, readFileSync(main));
    keepCompiled(dir);
    const [a, b] = [await precompileComponent(dir), await precompileComponent(dir)];
    expect(a.module).not.toBe(b.module);
  });

  it("a changed meta.json is read afresh", async () => {
    const dir = await copy();
    keepCompiled(dir);
    const kept = await precompileComponent(dir);
    const meta = JSON.parse(readFileSync(join(dir, "meta.json"), "utf8")) as Record<string, unknown>;
    writeFileSync(join(dir, "meta.json"), JSON.stringify({ ...meta, imports: ["cni:host/link"] }));
    const now = await precompileComponent(dir);
    expect(now.meta.imports).toEqual(["cni:host/link"]);
    expect(now.module).not.toBe(kept.module);
  });
});
