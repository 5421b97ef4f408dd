// tap's config in the guest (test/sdk/tap-config.as.ts).
import { guestSuite } from "../../helpers/guest-suite";

guestSuite("tap config (guest)", "test/sdk/tap-config.as.ts");
