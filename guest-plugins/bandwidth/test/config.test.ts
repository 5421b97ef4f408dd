// bandwidth's config in the guest (config.as.ts beside this file).
import { guestSuite } from "../../../test/helpers/guest-suite";

guestSuite("bandwidth config (guest)", "guest-plugins/bandwidth/test/config.as.ts");
