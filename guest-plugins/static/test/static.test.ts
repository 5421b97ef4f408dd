// static's config reading in the guest (config.as.ts beside this file).
import { guestSuite } from "../../../test/helpers/guest-suite";

guestSuite("static config (guest)", "guest-plugins/static/test/config.as.ts");
