import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    pool: "forks",
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Tests that touch the kernel refuse to run outside the sandbox made by test/sandbox.mjs.
    globalSetup: ["test/helpers/global-setup.ts"],
  },
});
