// routed's config and the result it gives the pod, in the guest (config.as.ts beside this file).
import { guestSuite } from "../../../test/helpers/guest-suite";

guestSuite("routed config and result (guest)", "guest-plugins/routed/test/config.as.ts");
