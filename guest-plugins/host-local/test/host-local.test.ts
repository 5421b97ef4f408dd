// host-local's pure parts in the guest: the allocator and host-local's store layout against a
// map (allocator.as.ts beside this file), and its config reading (config.as.ts).
import { guestSuite } from "../../../test/helpers/guest-suite";

guestSuite("host-local allocator (guest)", "guest-plugins/host-local/test/allocator.as.ts");
guestSuite("host-local config (guest)", "guest-plugins/host-local/test/config.as.ts");
