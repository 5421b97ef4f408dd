// Guest tests of guest-plugins/sdk/net (pure parts) and of bridge's config and gateways.
import { guestSuite } from "../../helpers/guest-suite";

guestSuite("sdk/net (guest)", "test/sdk/net.as.ts");
guestSuite("bridge config and gateways (guest)", "test/sdk/bridge.as.ts");
