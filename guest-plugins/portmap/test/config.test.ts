// portmap's config, conditions and typed rules in the guest (config.as.ts beside this file).
import { guestSuite } from "../../../test/helpers/guest-suite";

guestSuite("portmap config and rules (guest)", "guest-plugins/portmap/test/config.as.ts");
