// macvlan's config and the SDK's MAC helpers in the guest (test/sdk/macvlan-config.as.ts).
import { guestSuite } from "../../helpers/guest-suite";

guestSuite("macvlan config (guest)", "test/sdk/macvlan-config.as.ts");
