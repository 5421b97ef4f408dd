#!/bin/bash
# Captures the requests iproute2 sends for the rules of test/golden/rules.test.ts.
# Run it ONLY inside the test sandbox: `node test/sandbox.mjs bash test/golden/capture-rules.sh`
# (it adds rules and a veth in whatever netns it runs in). Prints `label hex` lines: the last
# request iproute2 wrote on its netlink socket (fd 3), from `strace -e write=3`.
set -u
[ "${WASM_CNI_SANDBOX:-}" = 1 ] || { echo "run inside test/sandbox.mjs" >&2; exit 1; }
ip link add p0 type veth peer name p1   # ifindex 2 and 3 in a fresh sandbox netns (lo 1)
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
cap rule-from rule add from 10.1.0.2 lookup 100
cap rule-full rule add pref 1000 from 10.1.0.0/24 to 10.2.0.0/16 iif p0 oif p1 fwmark 0x10/0xff lookup 1000
cap rule-v6 -6 rule add from fd00::2 lookup 101
cap rule-not rule add not pref 500 from 10.9.0.0/16 prohibit
cap rule-mark rule add fwmark 0x20 lookup 102
cap rule-del rule del from 10.1.0.2 lookup 100
cap rule-del-pref -6 rule del pref 1000 from fd00::2 lookup 101
