// IP addresses and prefixes as values (Go's net.IP, net.IPNet and net/netip): parsing,
// formatting, arithmetic and CIDR math. Pure: no host calls.
export { IP, maskHi, maskLo } from "./addr";
export { parseIP, parseV4, parseV6 } from "./parse";
export { formatIP, formatV4, formatV6 } from "./format";
export { IPNet } from "./net";
