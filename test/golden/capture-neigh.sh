#!/bin/bash
# Captures the requests iproute2 sends for test/golden/neigh.test.ts: a vxlan device, neighbour
# and FDB entries on it. Run it ONLY inside the test sandbox:
# `node test/sandbox.mjs bash test/golden/capture-neigh.sh` (it makes links in whatever netns it
# runs in). Prints `label hex` lines: the last request iproute2 wrote on its netlink socket (fd 3),
# from `strace -e write=3`; for the dumps, also the first reply datagram after it.
set -u
[ "${WASM_CNI_SANDBOX:-}" = 1 ] || { echo "run inside test/sandbox.mjs" >&2; exit 1; }
ip link add eth0 type veth peer name up0   # the underlay: ifindex 3 in a fresh sandbox netns (lo 1, up0 2)
ip addr add 10.0.0.1/24 dev eth0
ip link set eth0 up
ip link set up0 up
cap() {
  local label="$1"; shift
  strace -f -e trace=sendmsg -e write=3 "$@" 2>&1 >/dev/null | python3 -c '
import re, sys
msgs = []
for line in sys.stdin:
    if line.startswith("sendmsg("): msgs.append("")
    m = re.match(r"\s*\|\s+[0-9a-f]{5}\s\s(.{48})", line)
    if m and msgs: msgs[-1] += "".join(re.findall(r"[0-9a-f]{2}", m.group(1)))
print(sys.argv[1], [h for h in msgs if h][-1])' "$label"
}
# A dump: the last request (sendmsg or sendto) and the first reply datagram after it.
dump() {
  local label="$1"; shift
  strace -f -e trace=sendto,sendmsg,recvmsg -e write=3 -e read=3 "$@" 2>&1 >/dev/null | python3 -c '
import re, sys
calls = []
for line in sys.stdin:
    m = re.match(r"(sendto|sendmsg|recvmsg)\(", line)
    if m: calls.append([m.group(1), ""])
    m = re.match(r"\s*\|\s+[0-9a-f]{5}\s\s(.{48})", line)
    if m and calls: calls[-1][1] += "".join(re.findall(r"[0-9a-f]{2}", m.group(1)))
calls = [c for c in calls if c[1]]
last = max(i for i, c in enumerate(calls) if c[0] != "recvmsg")
print(sys.argv[1] + "-request", calls[last][1])
print(sys.argv[1] + "-reply", calls[last + 1][1])' "$label"
}
cap vxlan ip link add vx0 type vxlan id 1 local 10.0.0.1 dev eth0 dstport 8472 nolearning       # vx0: ifindex 4
cap vxlan6 ip link add vx6 type vxlan id 16777215 local fd00::1 dev eth0 dstport 4789 learning  # ifindex 5
cap vxlan-any ip link add vx1 type vxlan id 42 dstport 4789 learning                            # ifindex 6
ip link set vx0 up
cap neigh-replace ip neigh replace 10.244.2.0 lladdr 02:00:00:00:00:0a dev vx0 nud permanent
cap neigh-replace6 ip neigh replace fd00:244:2:: lladdr 02:00:00:00:00:0b dev vx0 nud permanent
cap fdb-replace bridge fdb replace 02:00:00:00:00:0a dev vx0 dst 10.0.0.2 self permanent
cap fdb-replace6 bridge fdb replace 02:00:00:00:00:0b dev vx0 dst fd00::2 self permanent
dump vxlan-show ip -d link show vx0
dump neigh-show ip neigh show dev vx0
dump fdb-show bridge fdb show dev vx0
cap neigh-del ip neigh del 10.244.2.0 dev vx0
cap fdb-del bridge fdb del 02:00:00:00:00:0a dev vx0 dst 10.0.0.2 self
