// IP address management. For a plugin that delegates (Go's pkg/ipam): running its IPAM plugin
// (ExecAdd, ExecDel, ...) and applying the result to the container interface (ConfigureIface),
// or to a link the plugin made (attachLink). For an IPAM plugin (host-local's allocator
// package): allocation ranges and range sets, their config, `routes`, and GC's valid attachments.
export { ipamAdd, ipamDel, ipamCheck, ipamStatus, ipamGc, undoAdd } from "./delegate";
export { ipsOf, configureIface, settleAddrs, addIfaceAddrs, addIfaceRoutes } from "./configure";
export { attachLink, detachLink, checkAttachedLink } from "./attach";
export { IPRange, lastUsable } from "./range";
export { RangeIter, rangeSetIndexOf, rangeSetsOverlap } from "./range-set";
export { readRange, readRangeSet, readRangeSets, checkRangeSetsDisjoint, rangeSetToString } from "./ranges";
export { readRoutes } from "./routes";
export { Attachment, VALID_ATTACHMENTS_KEY, readValidAttachments, hasAttachment } from "./attachments";
