// tap's config in the guest (config.as.ts beside this file).
import { guestSuite } from "../../../test/helpers/guest-suite";

guestSuite("tap config (guest)", "guest-plugins/tap/test/config.as.ts");
