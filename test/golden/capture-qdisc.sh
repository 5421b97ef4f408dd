#!/bin/bash
# Captures the requests tc (iproute2) sends for the qdisc and filter operations of
# test/golden/qdisc.test.ts. Run it ONLY inside the test sandbox:
# `node test/sandbox.mjs bash test/golden/capture-qdisc.sh` (it makes links and qdiscs in
# whatever netns it runs in). Prints `label hex` lines: the last request tc wrote on its
# netlink socket (fd 3), from `strace -e write=3`.
set -u
[ "${WASM_CNI_SANDBOX:-}" = 1 ] || { echo "run inside test/sandbox.mjs" >&2; exit 1; }
ip link add c0 type veth peer name h0   # h0 ifindex 2 in a fresh sandbox netns (lo 1; the peer is made first)
ip link add ifb0 type ifb               # ifindex 4 (c0 3)
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
cap tbf tc qdisc add dev h0 root handle 1: tbf rate 10mbit burst 8kb latency 25ms
cap tbf-replace tc qdisc replace dev h0 root handle 1: tbf rate 1250000bps burst 100000 limit 200000
cap tbf-peakrate tc qdisc replace dev h0 root handle 1: tbf rate 5gbit burst 1mb latency 50ms peakrate 6gbit mtu 9000
cap tbf-del tc qdisc del dev h0 root
cap ingress tc qdisc add dev h0 ingress
cap redirect tc filter add dev h0 ingress protocol all prio 1 u32 match u32 0 0 action mirred egress redirect dev ifb0
cap mirror tc filter add dev h0 ingress protocol all prio 2 u32 match u32 0 0 action mirred egress mirror dev ifb0
cap filter-del tc filter del dev h0 ingress prio 2
cap ingress-del tc qdisc del dev h0 ingress
cap clsact tc qdisc add dev ifb0 clsact
cap ifb ip link add ifb1 type ifb
