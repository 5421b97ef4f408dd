// What ADD changed and the values it found, kept for DEL in the plugin's own store bucket
// (/var/lib/cni/wasm-cni/tuning/<network>, picked by the host) under "<containerId>:<ifname>",
// as Go keeps /run/cni/tuning/<containerId>_<ifname>.json; the plugin writes no file itself.
import {
  store, link, CniError, Result, Tuple2, Unit, JsonWriter, ObjectReader, parseJson, ok, err, some, hostErrorToCni, Done, done, fail,
} from "@wasm-cni/sdk";

/** The store key of one attachment: container ids and interface names hold no ":". */
export function backupKey(containerId: string, ifname: string): string {
  return containerId + ":" + ifname;
}

/** The attachment of a store key; null for a key of another shape. */
export function attachmentOf(key: string): Tuple2<string, string> | null {
  const at = key.lastIndexOf(":");
  return at <= 0 ? null : new Tuple2<string, string>(key.slice(0, at), key.slice(at + 1));
}

/** One sysctl ADD wrote: its path, the value it found and the value it wrote. */
export class SysctlBackup {
  constructor(public path: string, public old: string, public set: string) {}
}

/** The link attributes ADD changed, each with the value it found (unset: -1 or ""). */
export class Backup {
  mac: string = "";
  mtu: i64 = -1;
  promisc: i32 = -1;
  allmulti: i32 = -1;
  txqlen: i64 = -1;
  sysctl: SysctlBackup[] = [];

  /** The change that puts the link back. */
  linkChange(): link.LinkChange {
    const c = new link.LinkChange();
    if (this.mtu >= 0) c.mtu = some<u32>(<u32>this.mtu);
    if (this.mac.length > 0) c.mac = this.mac;
    if (this.promisc >= 0) c.promisc = some<bool>(this.promisc == 1);
    if (this.allmulti >= 0) c.allmulti = some<bool>(this.allmulti == 1);
    if (this.txqlen >= 0) c.txqlen = some<u32>(<u32>this.txqlen);
    return c;
  }

  get changesLink(): bool {
    return this.mac.length > 0 || this.mtu >= 0 || this.promisc >= 0 || this.allmulti >= 0 || this.txqlen >= 0;
  }

  toJson(): string {
    const w = new JsonWriter();
    w.beginObject();
    if (this.mac.length > 0) w.key("mac").string(this.mac);
    if (this.mtu >= 0) w.key("mtu").int(this.mtu);
    if (this.promisc >= 0) w.key("promisc").bool(this.promisc == 1);
    if (this.allmulti >= 0) w.key("allmulti").bool(this.allmulti == 1);
    if (this.txqlen >= 0) w.key("txQLen").int(this.txqlen);
    if (this.sysctl.length > 0) {
      w.key("sysctl").beginObject();
      for (let i = 0; i < this.sysctl.length; i++) {
        const s = this.sysctl[i];
        w.key(s.path).beginArray().string(s.old).string(s.set).endArray();
      }
      w.endObject();
    }
    return w.endObject().toString();
  }

  /** The record as toJson wrote it; null when it is not one (a record of another version is left alone). */
  static parse(text: string): Backup | null {
    const p = parseJson(text);
    if (p.isErr) return null;
    const r = ObjectReader.root(p.value!);
    const b = new Backup();
    b.mac = r.optString("mac");
    if (r.has("mtu")) b.mtu = r.optI64("mtu");
    if (r.has("promisc")) b.promisc = r.optBool("promisc") ? 1 : 0;
    if (r.has("allmulti")) b.allmulti = r.optBool("allmulti") ? 1 : 0;
    if (r.has("txQLen")) b.txqlen = r.optI64("txQLen");
    const s = r.optObject("sysctl");
    if (s != null) {
      for (let i = 0; i < s.value.length; i++) {
        const pair = s.value.at(i)!;
        const old = pair.at(0), set = pair.at(1);
        if (old == null || set == null || !old.isString() || !set.isString()) return null;
        b.sysctl.push(new SysctlBackup(s.value.keyAt(i), old.asString(), set.asString()));
      }
    }
    return r.errors.ok ? b : null;
  }
}

/** The plugin's bucket for the call's network, locked until the call ends. */
export function openBucket(): Result<u32, CniError> {
  const b = store.open();
  return b.isOk ? ok<u32, CniError>(b.value) : err<u32, CniError>(hostErrorToCni(b.error, "tuning: open the store"));
}

/** The record of `key`, null when there is none (or it is not one). */
export function readBackup(bucket: u32, key: string): Result<Backup | null, CniError> {
  const g = store.get(bucket, key);
  if (g.isErr) return err<Backup | null, CniError>(hostErrorToCni(g.error, "tuning: read the store key " + key));
  const text = g.value;
  return ok<Backup | null, CniError>(text == null ? null : Backup.parse(text!));
}

export function writeBackup(bucket: u32, key: string, b: Backup): Done {
  const p = store.put(bucket, key, b.toJson());
  return p.isOk ? done() : fail<Unit>(hostErrorToCni(p.error, "tuning: write the store key " + key));
}

export function removeBackup(bucket: u32, key: string): Done {
  const r = store.remove(bucket, key);
  return r.isOk ? done() : fail<Unit>(hostErrorToCni(r.error, "tuning: remove the store key " + key));
}
