export { IP, maskHi, maskLo } from "./addr";
export { parseIP, parseV4, parseV6 } from "./parse";
export { formatIP, formatV4, formatV6 } from "./format";
export { IPNet } from "./net";
export { IPRange, lastUsable } from "./range";
export { RangeIter, rangeSetIndexOf, rangeSetsOverlap } from "./range-set";
