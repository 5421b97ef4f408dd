// bridge's config and gateway calculation in the guest (config.as.ts beside this file).
import { guestSuite } from "../../../test/helpers/guest-suite";

guestSuite("bridge config and gateways (guest)", "guest-plugins/bridge/test/config.as.ts");
