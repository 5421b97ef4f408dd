// rtnetlink message types and address families (linux/rtnetlink.h, linux/socket.h).

export const RTM = {
  NEWLINK: 16,
  DELLINK: 17,
  GETLINK: 18,
  SETLINK: 19,
  NEWADDR: 20,
  DELADDR: 21,
  GETADDR: 22,
  NEWROUTE: 24,
  DELROUTE: 25,
  GETROUTE: 26,
  NEWNEIGH: 28,
  DELNEIGH: 29,
  GETNEIGH: 30,
  NEWRULE: 32,
  DELRULE: 33,
  GETRULE: 34,
  NEWQDISC: 36,
  DELQDISC: 37,
  GETQDISC: 38,
  NEWTFILTER: 44,
  DELTFILTER: 45,
  GETTFILTER: 46,
  NEWNSID: 88,
  GETNSID: 90,
} as const;

export const AF = { UNSPEC: 0, INET: 2, BRIDGE: 7, INET6: 10 } as const;
