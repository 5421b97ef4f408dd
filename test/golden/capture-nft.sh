#!/bin/bash
# Captures the nfnetlink batches `nft` (Debian 1.0.6) sends for the firewall operations of
# test/golden/nft.test.ts. Run it ONLY inside the test sandbox:
#   node test/sandbox.mjs bash test/golden/capture-nft.sh
# (it changes the ruleset of whatever netns it runs in). Prints `label hex` lines: the batch
# datagram (BATCH_BEGIN ... BATCH_END) nft wrote on its netlink socket, from `strace -e write=all`.
set -u
[ "${WASM_CNI_SANDBOX:-}" = 1 ] || { echo "run inside test/sandbox.mjs" >&2; exit 1; }
cap() {
  local label="$1"; shift
  strace -f -e trace=sendmsg -e write=all nft "$@" 2>&1 >/dev/null | python3 -c '
import re, sys
msgs = []
for line in sys.stdin:
    if line.startswith("sendmsg("): msgs.append([line, ""])
    m = re.match(r"\s*\|\s+[0-9a-f]{5}\s\s(.{48})", line)
    if m and msgs: msgs[-1][1] += "".join(re.findall(r"[0-9a-f]{2}", m.group(1)))
batches = [h for (l, h) in msgs if "NFNL_MSG_BATCH_BEGIN" in l]
print(sys.argv[1], batches[-1])' "$label"
}
# ensure-masquerade: table, nat chain and the rule in one batch
cap masq-v4 -f - <<'NFT'
add table inet wasm-cni-ptp
add chain inet wasm-cni-ptp postrouting { type nat hook postrouting priority 100 ; }
add rule inet wasm-cni-ptp postrouting ip saddr 10.1.0.2 ip daddr != 10.1.0.0/24 ip daddr != 224.0.0.0/4 masquerade comment "net1:ctr1/eth0 masquerade 10.1.0.2/24"
NFT
cap masq-v4-odd-prefix -f - <<'NFT'
add table inet wasm-cni-ptp
add chain inet wasm-cni-ptp postrouting { type nat hook postrouting priority 100 ; }
add rule inet wasm-cni-ptp postrouting ip saddr 10.2.3.4 ip daddr != 10.2.0.0/14 ip daddr != 224.0.0.0/4 masquerade comment "net1:ctr1/eth0 masquerade 10.2.3.4/14"
NFT
cap masq-v6 -f - <<'NFT'
add table inet wasm-cni-ptp
add chain inet wasm-cni-ptp postrouting { type nat hook postrouting priority 100 ; }
add rule inet wasm-cni-ptp postrouting ip6 saddr fd00::2 ip6 daddr != fd00::/64 ip6 daddr != ff00::/8 masquerade comment "net1:ctr1/eth0 masquerade fd00::2/64"
NFT
# ensure-spoof-check: bridge-family table, prerouting filter chain, the drop rule
cap spoof -f - <<'NFT'
add table bridge wasm-cni-bridge
add chain bridge wasm-cni-bridge prerouting { type filter hook prerouting priority -300 ; }
add rule bridge wasm-cni-bridge prerouting iifname "veth1234abcd" ether saddr != 02:11:22:33:44:55 drop comment "net1:ctr1/eth0 spoof-check veth1234abcd 02:11:22:33:44:55"
NFT
# remove: one rule by its handle (the masquerade rule is handle 2: table 1? chain 1, rules 2..)
cap delete-rule delete rule inet wasm-cni-ptp postrouting handle 2
# firewall.apply: typed rules of plugin "portmap", each batch the table, its chain and the rule
# (comment "net1:ctr1/eth0 rule"); the chains as rule-chains.ts makes them.
declare -A CHAIN=(
  [prerouting]="type nat hook prerouting priority -100 ;"
  [output]="type nat hook output priority -100 ;"
  [postrouting]="type nat hook postrouting priority 100 ;"
  [forward]="type filter hook forward priority 0 ;"
  [input]="type filter hook input priority 0 ;"
)
# A drop or reject is inserted at the chain's head (`insert rule`), anything else appended.
typed() {
  local label="$1" chain="$2" rule="$3" verb=add
  case "$rule" in *" drop"|*" reject"|*"reject with tcp reset") verb=insert ;; esac
  cap "$label" -f - <<NFT
add table inet wasm-cni-portmap
add chain inet wasm-cni-portmap $chain { ${CHAIN[$chain]} }
$verb rule inet wasm-cni-portmap $chain $rule comment "net1:ctr1/eth0 rule"
NFT
}
typed rule-dnat-port prerouting 'meta nfproto ipv4 fib daddr type local meta l4proto tcp th dport 8080 counter dnat ip to 10.1.0.2:80'
typed rule-dnat-v6-range output 'meta nfproto ipv6 fib daddr type local meta l4proto udp th dport 8000-8100 dnat ip6 to [fd00::2]:9000-9100'
typed rule-masq-ct-dnat postrouting 'meta nfproto ipv4 ip saddr 10.1.0.0/24 ip daddr 10.1.0.2 ct status dnat masquerade'
typed rule-masq-ports postrouting 'meta nfproto ipv4 ip saddr 10.1.0.2 meta l4proto sctp masquerade to :1024-2000'
typed rule-snat postrouting 'meta nfproto ipv4 ip saddr 10.1.0.2 ip daddr != 10.2.0.0/20 snat ip to 10.1.0.2'
typed rule-redirect prerouting 'meta nfproto ipv4 ip daddr 10.1.0.2 meta l4proto tcp redirect to :8080'
typed rule-forward-ct forward 'meta nfproto ipv4 ip daddr 10.1.0.2 ct state established,related counter accept'
typed rule-iif-oif-drop forward 'meta nfproto ipv4 ip daddr 10.1.0.2 iifname != "br1" oifname "br0" ct state new,invalid,untracked drop'
typed rule-reject input 'meta nfproto ipv4 ip saddr 10.1.0.2 meta l4proto icmp reject'
typed rule-reject-tcp forward 'meta nfproto ipv6 ip6 saddr fd00::2 meta l4proto tcp th sport 1-1023 reject with tcp reset'
typed rule-mark-set input 'meta nfproto ipv4 ip saddr 10.1.0.2 meta mark & 0xff == 0x1 meta mark set mark | 0x10'
typed rule-counter input 'meta nfproto ipv6 ip6 saddr fd00::2 meta mark 0x7 counter'
# two rules in two chains: one batch, the table once, both chains, then the rules
cap rule-two-chains -f - <<'NFT'
add table inet wasm-cni-portmap
add chain inet wasm-cni-portmap prerouting { type nat hook prerouting priority -100 ; }
add chain inet wasm-cni-portmap output { type nat hook output priority -100 ; }
add rule inet wasm-cni-portmap prerouting meta nfproto ipv4 fib daddr type local meta l4proto tcp th dport 8080 dnat ip to 10.1.0.2:80 comment "net1:ctr1/eth0 rule"
add rule inet wasm-cni-portmap output meta nfproto ipv4 fib daddr type local meta l4proto tcp th dport 8080 dnat ip to 10.1.0.2:80 comment "net1:ctr1/eth0 rule"
NFT
