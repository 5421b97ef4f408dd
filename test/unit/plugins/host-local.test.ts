// host-local's pure parts in the guest: the allocator and host-local's store layout against a
// map (test/sdk/host-local-allocator.as.ts), and its config reading (host-local-config.as.ts).
import { guestSuite } from "../../helpers/guest-suite";

guestSuite("host-local allocator (guest)", "test/sdk/host-local-allocator.as.ts");
guestSuite("host-local config (guest)", "test/sdk/host-local-config.as.ts");
