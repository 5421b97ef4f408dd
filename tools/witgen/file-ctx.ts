// Per-output-file state of the emitter: imports it needs, private helpers (deduplicated by
// name), and fresh local names.

export class FileCtx {
  private readonly imports = new Map<string, Set<string>>();
  private readonly helpers = new Map<string, string>();
  private counter = 0;

  /** `iface` is the interface this file defines ("" for a world file). */
  constructor(readonly iface: string) {}

  /** Records `import { name } from module` and returns `name`. */
  use(module: string, name: string): string {
    let names = this.imports.get(module);
    if (!names) this.imports.set(module, (names = new Set()));
    names.add(name);
    return name;
  }

  /** A name exported by the file of interface `iface` (imported unless it is this file). */
  fromIface(iface: string, name: string): string {
    return iface === this.iface ? name : this.use(`./${iface}`, name);
  }

  /** A value or type of the ABI layer (`../abi/glue`). */
  glue(name: string): string {
    return this.use("../abi/glue", name);
  }

  /** Adds a private helper once; `build` is called only the first time. */
  helper(name: string, build: () => string): string {
    if (!this.helpers.has(name)) {
      this.helpers.set(name, "");
      this.helpers.set(name, build());
    }
    return name;
  }

  fresh(prefix = "_v"): string {
    return `${prefix}${this.counter++}`;
  }

  importBlock(): string {
    return [...this.imports.entries()]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([mod, names]) => `import { ${[...names].sort().join(", ")} } from "${mod}";\n`)
      .join("");
  }

  helperBlock(): string {
    return [...this.helpers.values()].join("\n");
  }
}
