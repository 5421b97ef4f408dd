// Guest tests of guest-plugins/sdk/cluster (what controllers share).
import { guestSuite } from "../../helpers/guest-suite";

guestSuite("sdk/cluster (guest)", "test/sdk/cluster.as.ts");
