// Guest tests of guest-plugins/sdk/net (pure parts); bridge's own are in guest-plugins/bridge/test.
import { guestSuite } from "../../helpers/guest-suite";

guestSuite("sdk/net (guest)", "test/sdk/net.as.ts");
