// macvlan's config and the SDK's MAC helpers in the guest (config.as.ts beside this file).
import { guestSuite } from "../../../test/helpers/guest-suite";

guestSuite("macvlan config (guest)", "guest-plugins/macvlan/test/config.as.ts");
