// sdk-api-doc: the SDK's API reference from its source (part of `npm run gen`).
//   node scripts/ts.mjs tools/sdk-api-doc/cli.ts            regenerate guest-plugins/sdk/API.md
//   node scripts/ts.mjs tools/sdk-api-doc/cli.ts --check    fail if it would change
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { API_DOC, generateApiDoc } from "./generate";

function main(): void {
  const doc = generateApiDoc(".");
  const same = existsSync(API_DOC) && readFileSync(API_DOC, "utf8") === doc.text;
  if (process.argv.includes("--check")) {
    if (!same) {
      process.stderr.write(`sdk-api-doc: ${API_DOC} is out of date\nrun: node scripts/ts.mjs tools/sdk-api-doc/cli.ts\n`);
      process.exitCode = 1;
    }
    return;
  }
  if (!same) writeFileSync(API_DOC, doc.text);
  process.stdout.write(`sdk-api-doc: ${API_DOC}${same ? "" : " written"}: ${doc.names} names and members, ${doc.undocumented} undocumented (${doc.undocumentedNames.length} exported names: see its "Undocumented" section)\n`);
}

main();
