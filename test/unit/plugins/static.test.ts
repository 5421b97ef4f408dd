// static's config reading in the guest (test/sdk/static-config.as.ts).
import { guestSuite } from "../../helpers/guest-suite";

guestSuite("static config (guest)", "test/sdk/static-config.as.ts");
