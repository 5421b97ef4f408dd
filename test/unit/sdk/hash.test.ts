// Guest tests of guest-plugins/sdk/hash (SHA-512 and Go's hashed names).
import { guestSuite } from "../../helpers/guest-suite";

guestSuite("sdk/hash (guest)", "test/sdk/hash.as.ts");
