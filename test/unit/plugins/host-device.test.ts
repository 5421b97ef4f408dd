// host-device's config and device matcher in the guest (test/sdk/host-device-config.as.ts).
import { guestSuite } from "../../helpers/guest-suite";

guestSuite("host-device config (guest)", "test/sdk/host-device-config.as.ts");
