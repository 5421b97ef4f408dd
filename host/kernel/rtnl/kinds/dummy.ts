// A dummy device (drivers/net/dummy.c) has no attributes of its own.
import { type Attr, nestedAttr, stringAttr } from "../../nl/attr";
import { IFLA, IFLA_INFO } from "../ifinfo";

/** IFLA_LINKINFO { kind "dummy" }. */
export function dummyLinkInfo(): Attr {
  return nestedAttr(IFLA.LINKINFO, [stringAttr(IFLA_INFO.KIND, "dummy", false)]);
}
