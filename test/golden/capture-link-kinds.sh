#!/bin/bash
# Captures the requests iproute2 sends for the link kinds of test/golden/link-kinds.test.ts.
# Run it ONLY inside the test sandbox: `node test/sandbox.mjs bash test/golden/capture-link-kinds.sh`
# (it makes links in whatever netns it runs in). Prints `label hex` lines: the RTM_NEWLINK
# (or the set request) iproute2 wrote on its netlink socket (fd 3), from `strace -e write=3`.
# This kernel lacks ipvlan, vlan, dummy and vrf: iproute2 still sends the request, the kernel refuses it.
set -u
[ "${WASM_CNI_SANDBOX:-}" = 1 ] || { echo "run inside test/sandbox.mjs" >&2; exit 1; }
ip netns add c               # `netns c` is opened as fd 4
ip link add p0 type veth peer name p1   # the parent: ifindex 3 in a fresh sandbox netns (lo 1, p1 2)
cap() {
  local label="$1"; shift
  strace -f -e trace=sendmsg -e write=3 ip "$@" 2>&1 >/dev/null | python3 -c '
import re, sys
msgs = []
for line in sys.stdin:
    if line.startswith("sendmsg("): msgs.append("")
    m = re.match(r"\s*\|\s+[0-9a-f]{5}\s\s(.{48})", line)
    if m and msgs: msgs[-1] += "".join(re.findall(r"[0-9a-f]{2}", m.group(1)))
print(sys.argv[1], [h for h in msgs if h][-1])' "$label"
}
cap macvlan link add link p0 name mv0 type macvlan mode bridge
cap macvlan-netns link add link p0 name eth0 mtu 1400 address 02:00:00:00:00:03 netns c type macvlan mode private
cap macvlan-bcqueuelen link add link p0 name mv1 type macvlan mode vepa bcqueuelen 100
cap macvlan-passthru link add link p0 name mv2 type macvlan mode passthru
cap macvlan-source link add link p0 name mv3 type macvlan mode source
cap ipvlan link add link p0 name ipv0 type ipvlan mode l3 private
cap ipvlan-netns link add link p0 name ipv1 mtu 1400 netns c type ipvlan mode l2 bridge
cap ipvlan-l3s link add link p0 name ipv2 type ipvlan mode l3s vepa
cap vlan link add link p0 name p0.100 type vlan id 100
cap vlan-netns link add link p0 name eth1 mtu 1400 netns c type vlan id 4094
cap dummy link add d0 type dummy
cap dummy-in-c -n c link add d1 mtu 1400 address 02:00:00:00:00:04 type dummy
cap vrf link add v0 type vrf table 10
cap vrf-big -n c link add v1 type vrf table 1000
ip link add mvx link p0 type macvlan     # ifindex 7 (mv0 4, mv1 5, mv3 6; passthru on a veth fails)
cap set-netns link set dev mvx netns c
ip -n c link add mvy link eth0 type macvlan 2>/dev/null
ip link add mvz link p0 type macvlan     # renamed below
cap set-name link set dev mvz name eth9
# p0 is ifindex 3: the flags and txqlen changes tuning makes
cap set-promisc link set dev p0 promisc on
cap set-allmulti link set dev p0 allmulticast on
cap set-allmulti-off link set dev p0 allmulticast off
cap set-txqlen link set dev p0 txqueuelen 500
