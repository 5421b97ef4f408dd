// Our requests, byte for byte against what iproute2 sends for the same command (captured with
// `strace -e trace=sendmsg -e write=3 ip ...` inside the test sandbox, Debian iproute2 6.1).
import { describe, expect, it } from "vitest";
import type { NetnsHandle } from "../../../../host/kernel/netns";
import { NLM_F } from "../../../../host/kernel/nl/header";
import { encodeRequest, type NlRequest, parseMessages } from "../../../../host/kernel/nl/message";
import { addrAdd } from "../../../../host/kernel/rtnl/addr";
import type { RtnlHandle } from "../../../../host/kernel/rtnl/handle";
import { linkAddBridge, linkAddVeth } from "../../../../host/kernel/rtnl/link";
import { routeAdd } from "../../../../host/kernel/rtnl/route";
import { GET_LINK_VETH } from "../nl/captures";

/** A handle that records requests and answers lookups with a captured link. */
function recorder(): { h: RtnlHandle; sent: NlRequest[] } {
  const sent: NlRequest[] = [];
  const link = parseMessages(new Uint8Array(Buffer.from(GET_LINK_VETH.datagrams[0]!, "hex")));
  const h = { request: (req: NlRequest) => (sent.push(req), req.type === 18 ? link : []) } as unknown as RtnlHandle;
  return { h, sent };
}

/** Encodes as the socket would (REQUEST|ACK added) with the capture's sequence number. */
function wire(req: NlRequest | undefined, iproute2: string): string {
  const seq = Buffer.from(iproute2, "hex").readUInt32LE(8);
  return Buffer.from(encodeRequest({ ...req!, flags: req!.flags | NLM_F.REQUEST | NLM_F.ACK }, seq)).toString("hex");
}

describe("requests match iproute2", () => {
  it("linkAddVeth sends what `ip link add veth0 mtu 1400 address … type veth peer name eth0 mtu 1400 address … netns h` sends", () => {
    const ip = "8c00000010000506b3970b6b000000000000000000000000000000000000000008000400780500000a00010002000000000100000a00030076657468300000004c0012000800010076657468400002003c0001000000000000000000000000000000000008000400780500000a000100020000000002000008001c0004000000090003006574683000000000";
    const { h, sent } = recorder();
    const peerNetns = { fd: 4 } as NetnsHandle; // ip had /run/netns/h open as fd 4
    linkAddVeth(h, { name: "veth0", peerName: "eth0", peerNetns, mtu: 1400, mac: "02:00:00:00:00:01", peerMac: "02:00:00:00:00:02" });
    expect(wire(sent[0], ip)).toBe(ip);
  });

  it("linkAddBridge sends what `ip link add br0 mtu 1450 type bridge` sends", () => {
    const ip = "400000001000050689970b6b000000000000000000000000000000000000000008000400aa0500000800030062723000100012000a0001006272696467650000";
    const { h, sent } = recorder();
    linkAddBridge(h, { name: "br0", mtu: 1450 });
    expect(wire(sent[0], ip)).toBe(ip);
  });

  it("addrAdd of IPv4 sends what `ip addr add 10.1.0.2/24 brd + dev v0` sends", () => {
    const ip = "300000001400050689970b6b000000000218000003000000080002000a010002080001000a010002080004000a0100ff";
    const { h, sent } = recorder();
    addrAdd(h, 3, "10.1.0.2/24");
    expect(wire(sent[0], ip)).toBe(ip);
  });

  it("addrAdd of IPv6 sends `ip addr add fd00::2/64 dev veth0 nodad` plus an IFA_FLAGS attribute", () => {
    const ip = "400000001400050689970b6b000000000a400200020000001400020" + "0fd000000000000000000000000000002140001" + "00fd000000000000000000000000000002";
    const { h, sent } = recorder();
    addrAdd(h, 2, "fd00::2/64");
    const ours = wire(sent[0], ip);
    // iproute2 sends IFA_FLAGS only for flags above 0xff; we always send it with nodad (same meaning).
    expect(ours.slice(8)).toBe(ip.slice(8) + "08000800" + "02000000");
  });

  it("routeAdd sends what `ip route add default via 10.1.0.1 dev v0` sends", () => {
    const ip = "2c0000001800050689970b6b0000000002000000fe03000100000000080005000a0100010800040003000000";
    const { h, sent } = recorder();
    routeAdd(h, { dst: "0.0.0.0/0", gw: "10.1.0.1", oif: 3 });
    expect(wire(sent[0], ip)).toBe(ip);
  });

  it("routeAdd sends what `ip route add 10.9.0.0/16 dev veth0 table 1000 metric 100 mtu 1400 advmss 1360` sends", () => {
    const ip = "5000000018000506b3970b6b00000000021000000003fd0100000000080001000a09000008000f00e8030000080006006400000008000400020000001400080008000200780500000800080050050000";
    const { h, sent } = recorder();
    routeAdd(h, { dst: "10.9.0.0/16", oif: 2, table: 1000, metric: 100, mtu: 1400, advmss: 1360 });
    expect(wire(sent[0], ip)).toBe(ip);
  });
});
