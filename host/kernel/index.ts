// The kernel layer's public surface: netns handles, rtnetlink operations, sysctl, errors.
export * from "./errors";
export * from "./native";
export * from "./netns";
export * from "./sysctl";
export * from "./tuntap";
export * from "./rtnl/handle";
export * from "./rtnl/link";
export * from "./rtnl/link-set";
export * from "./rtnl/bridge-vlan";
export * from "./rtnl/addr";
export * from "./rtnl/route";
export type { Link, OperState } from "./rtnl/ifinfo";
export type { VethOptions } from "./rtnl/kinds/veth";
export type { BridgeOptions, BridgePortFlags } from "./rtnl/kinds/bridge";
export { formatCidr, formatIp, parseCidr, parseIp, type Cidr, type IpAddr, type IpFamily } from "./rtnl/inet";
