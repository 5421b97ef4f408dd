#!/bin/bash
# Captures the requests iproute2's `bridge vlan` sends for test/golden/bridge-vlan.test.ts.
# Run it ONLY inside the test sandbox: `node test/sandbox.mjs bash test/golden/capture-bridge-vlan.sh`
# (it makes links in whatever netns it runs in). Prints `label hex` lines: the last request
# iproute2 wrote on its netlink socket (fd 3), from `strace -e write=3`.
# This kernel has no bridge VLAN filtering: iproute2 still sends the request, the kernel refuses it.
set -u
[ "${WASM_CNI_SANDBOX:-}" = 1 ] || { echo "run inside test/sandbox.mjs" >&2; exit 1; }
ip link add br0 type bridge
ip link add p0 type veth peer name p1   # the port: ifindex 4 in a fresh sandbox netns (lo 1, br0 2, p1 3)
ip link set p0 master br0
cap() {
  local label="$1"; shift
  strace -f -e trace=sendmsg -e write=3 bridge "$@" 2>&1 >/dev/null | python3 -c '
import re, sys
msgs = []
for line in sys.stdin:
    if line.startswith("sendmsg("): msgs.append("")
    m = re.match(r"\s*\|\s+[0-9a-f]{5}\s\s(.{48})", line)
    if m and msgs: msgs[-1] += "".join(re.findall(r"[0-9a-f]{2}", m.group(1)))
print(sys.argv[1], [h for h in msgs if h][-1])' "$label"
}
ip -o link show p0 >&2
cap pvid-untagged vlan add dev p0 vid 100 pvid untagged
cap tagged vlan add dev p0 vid 200
cap trunk-range vlan add dev p0 vid 300-399
cap del-default vlan del dev p0 vid 1
cap del-pvid vlan del dev p0 vid 100 pvid untagged
cap del-range vlan del dev p0 vid 300-399
# `bridge vlan show` dumps links twice (AF_UNSPEC for names, then AF_BRIDGE with
# RTEXT_FILTER_BRVLAN): keep the last request and the first reply datagram after it.
strace -f -e trace=sendto,recvmsg -e write=3 -e read=3 bridge vlan show 2>&1 >/dev/null | python3 -c '
import re, sys
calls = []
for line in sys.stdin:
    m = re.match(r"(sendto|recvmsg)\(", line)
    if m: calls.append([m.group(1), ""])
    m = re.match(r"\s*\|\s+[0-9a-f]{5}\s\s(.{48})", line)
    if m and calls: calls[-1][1] += "".join(re.findall(r"[0-9a-f]{2}", m.group(1)))
calls = [c for c in calls if c[1]]
last = max(i for i, c in enumerate(calls) if c[0] == "sendto")
print("show-request", calls[last][1])
print("show-reply", calls[last + 1][1])'
