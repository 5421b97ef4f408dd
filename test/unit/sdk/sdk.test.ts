// Runs the AssemblyScript SDK tests in the guest, as AssemblyScript's own tests/compiler do:
// each test/sdk/<suite>.as.ts is compiled with asc and every exported test function is one
// vitest case (test/helpers/guest-suite.ts). A failed AS assert reports its message and line.
import { guestSuite } from "../../helpers/guest-suite";

for (const suite of ["netip", "json", "types"]) guestSuite(`sdk/${suite} (guest)`, `test/sdk/${suite}.as.ts`);
