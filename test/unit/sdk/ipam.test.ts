// Guest tests of guest-plugins/sdk/ipam: range and route reading, valid attachments.
import { guestSuite } from "../../helpers/guest-suite";

guestSuite("sdk/ipam (guest)", "test/sdk/ipam.as.ts");
