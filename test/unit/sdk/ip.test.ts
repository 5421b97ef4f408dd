// Guest tests of guest-plugins/sdk/ip (pure parts) and its neighbours' (host errors as CNI
// errors, the addresses of one interface); bridge's own are in guest-plugins/bridge/test.
import { guestSuite } from "../../helpers/guest-suite";

guestSuite("sdk/ip (guest)", "test/sdk/ip.as.ts");
