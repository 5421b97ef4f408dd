// tuning's config in the guest (config.as.ts beside this file).
import { guestSuite } from "../../../test/helpers/guest-suite";

guestSuite("tuning config (guest)", "guest-plugins/tuning/test/config.as.ts");
