// TCP and UDP traffic between test namespaces for the portmap suite: a tiny node server run in
// a namespace (`ip netns exec`) that answers each TCP connection and UDP datagram with the
// peer address it saw, and a client that prints the answer. The peer address shows whether a
// connection was masqueraded (hairpin, 127.0.0.1) or kept its source (from a remote host).
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import type { TestNetns } from "../../helpers/netns";

const SERVER = `
const net = require("net"), dgram = require("dgram");
const [tcpPort, udpPort] = process.argv.slice(-2).map(Number);
const peer = (a) => a.replace(/^::ffff:/, "");
let up = 0;
const ready = () => { if (++up === 2) console.log("ready"); };
net.createServer((s) => s.end("tcp " + peer(s.remoteAddress))).listen({ port: tcpPort, host: "::", ipv6Only: false }, ready);
const u = dgram.createSocket({ type: "udp6", ipv6Only: false });
u.on("message", (m, r) => u.send("udp " + peer(r.address), r.port, r.address));
u.bind(udpPort, "::", ready);
`;

const CLIENT = `
const net = require("net"), dgram = require("dgram");
const [proto, host, port] = process.argv.slice(-3);
const done = (s) => { console.log(s); process.exit(0); };
setTimeout(() => done("no answer"), 2000);
if (proto === "tcp") {
  let got = "";
  const s = net.connect({ host, port: Number(port) });
  s.on("data", (d) => (got += d));
  s.on("end", () => done(got));
  s.on("error", (e) => done("error " + e.code));
} else {
  const s = dgram.createSocket(host.includes(":") ? "udp6" : "udp4");
  s.on("message", (m) => done(String(m)));
  s.send("ping", Number(port), host);
}
`;

/** Starts the server in `ns` on tcpPort and udpPort (both families); resolves once both listen. */
export function startServer(ns: TestNetns, tcpPort: number, udpPort: number): Promise<ChildProcess> {
  const child = spawn("ip", ["netns", "exec", ns.name, process.execPath, "-e", SERVER, String(tcpPort), String(udpPort)], { stdio: ["ignore", "pipe", "pipe"] });
  return new Promise((resolve, reject) => {
    let err = "";
    child.stderr!.on("data", (d: Buffer) => (err += d.toString()));
    child.stdout!.on("data", (d: Buffer) => d.toString().includes("ready") && resolve(child));
    child.on("exit", (code) => reject(new Error(`server in ${ns.name} exited ${code}: ${err}`)));
  });
}

/**
 * What the server answers to a `proto` connection from `from` to host:port: "tcp <peer>",
 * "udp <peer>", "no answer" or "error <code>".
 */
export function connect(from: TestNetns, proto: "tcp" | "udp", host: string, port: number): string {
  return execFileSync("ip", ["netns", "exec", from.name, process.execPath, "-e", CLIENT, proto, host, String(port)], { encoding: "utf8", timeout: 10_000 }).trim();
}
