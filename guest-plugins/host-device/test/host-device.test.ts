// host-device's config and device matcher in the guest (config.as.ts beside this file).
import { guestSuite } from "../../../test/helpers/guest-suite";

guestSuite("host-device config (guest)", "guest-plugins/host-device/test/config.as.ts");
