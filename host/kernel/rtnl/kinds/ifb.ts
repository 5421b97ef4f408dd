// An intermediate functional block (drivers/net/ifb.c): no attributes of its own; it takes the
// traffic other links redirect to it (tc mirred), so that a qdisc can shape it.
import { type Attr, nestedAttr, stringAttr } from "../../nl/attr";
import { IFLA, IFLA_INFO } from "../ifinfo";

/** IFLA_LINKINFO { kind "ifb" }. Equivalent to: `ip link add $name type ifb` */
export function ifbLinkInfo(): Attr {
  return nestedAttr(IFLA.LINKINFO, [stringAttr(IFLA_INFO.KIND, "ifb", false)]);
}
