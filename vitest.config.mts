import { defineConfig } from "vitest/config";

// Two tiers, one run (`npm test`), one report:
// - "unit": pure code, golden bytes and guest logic; needs no root and no namespaces
//   (`npm run test:unit` runs it alone, on any machine, as any user);
// - "sandbox": real kernel state, the binary, podman; its global setup refuses to start outside
//   the namespaces made by test/sandbox.mjs. It runs after the unit tier (groupOrder).
export default defineConfig({
  test: {
    pool: "forks",
    testTimeout: 30_000,
    hookTimeout: 30_000,
    projects: [
      {
        extends: true,
        test: {
          name: "unit",
          // guest-plugins/<name>/test: each plugin's own guest tests, in its folder.
          include: ["test/unit/**/*.test.ts", "test/golden/**/*.test.ts", "guest-plugins/*/test/**/*.test.ts"],
          sequence: { groupOrder: 0 },
        },
      },
      {
        extends: true,
        test: {
          name: "sandbox",
          include: ["test/integration/**/*.test.ts", "test/compliance/**/*.test.ts", "test/e2e/**/*.test.ts"],
          globalSetup: ["test/helpers/global-setup.ts"],
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
});
