// Guest tests of host-local's allocator and store layout (guest-plugins/host-local), run
// against a map that stands in for the host's store, as the Go plugin's tests use FakeStore.
import {
  IP, IPRange, IPNet, Result, Tuple2, Unit, CniError, Done, done, fail, ok, tryAgainLaterError, formatCniError,
} from "@wasm-cni/sdk";
import { KeyValueStore, Reservations, Owner, ownerOf } from "../reservations";
import { Allocator } from "../allocator";
import { expectStr, expectInt, expectTrue, expectFalse } from "../../../test/sdk/expect.as";

/** The fake store: keys in insertion order, and a switch that makes writes fail. */
class MapStore extends KeyValueStore {
  map: Map<string, string> = new Map();
  failWrites: bool = false;

  /** Single-key reads, to show an ADD does not read every entry. */
  gets: i32 = 0;
  entryReads: i32 = 0;

  get(key: string): Result<string | null, CniError> {
    this.gets++;
    return ok<string | null, CniError>(this.map.has(key) ? this.map.get(key) : null);
  }

  find(values: string[]): Result<Array<Tuple2<string, string>>, CniError> {
    const out = new Array<Tuple2<string, string>>();
    const keys = this.map.keys();
    for (let i = 0; i < keys.length; i++) {
      const v = this.map.get(keys[i]).trim();
      for (let j = 0; j < values.length; j++) {
        if (v == values[j].trim()) {
          out.push(new Tuple2<string, string>(keys[i], this.map.get(keys[i])));
          break;
        }
      }
    }
    return ok<Array<Tuple2<string, string>>, CniError>(out);
  }

  entries(): Result<Array<Tuple2<string, string>>, CniError> {
    this.entryReads++;
    const out = new Array<Tuple2<string, string>>();
    const keys = this.map.keys();
    for (let i = 0; i < keys.length; i++) out.push(new Tuple2<string, string>(keys[i], this.map.get(keys[i])));
    return ok<Array<Tuple2<string, string>>, CniError>(out);
  }

  put(key: string, value: string): Done {
    if (this.failWrites) return fail<Unit>(tryAgainLaterError("disk busy"));
    this.map.set(key, value);
    return done();
  }

  remove(key: string): Result<bool, CniError> {
    if (this.failWrites) return fail<bool>(tryAgainLaterError("disk busy"));
    return ok<bool, CniError>(this.map.delete(key));
  }

  value(key: string): string {
    return this.map.has(key) ? this.map.get(key) : "(absent)";
  }
}

function range(subnet: string, start: string = "", end: string = "", gw: string = ""): IPRange {
  const r = IPRange.canonicalize(IPNet.parse(subnet)!, start == "" ? null : IP.parse(start),
    end == "" ? null : IP.parse(end), gw == "" ? null : IP.parse(gw));
  if (r.isErr) assert(false, "range " + subnet + ": " + r.error);
  return r.value;
}

function load(s: MapStore): Reservations {
  return Reservations.open(s);
}

/** Allocates for (id, eth0) and returns "address gateway", or the error as "error <code>: <msg>". */
function take(a: Allocator, id: string, requested: string = "", ifname: string = "eth0"): string {
  const r = a.get(new Owner(id, ifname), requested == "" ? null : IP.parse(requested));
  if (r.isErr) return "error " + r.error.code.toString() + ": " + formatCniError(r.error);
  return r.value.address.toString() + " " + r.value.gateway!.toString();
}

export function first_address_follows_the_gateway_and_is_stored_in_host_local_layout(): void {
  const s = new MapStore();
  const a = new Allocator([range("10.1.0.0/24")], load(s), 0);
  expectStr(take(a, "ctr1"), "10.1.0.2/24 10.1.0.1", "first address");
  expectStr(s.value("10.1.0.2"), "ctr1\r\neth0", "reservation value");
  expectStr(s.value("last_reserved_ip.0"), "10.1.0.2", "last reserved");
  expectStr(take(a, "ctr2"), "10.1.0.3/24 10.1.0.1", "second address");
}

export function round_robin_resumes_after_the_last_reserved_address(): void {
  const s = new MapStore();
  let res = load(s);
  let a = new Allocator([range("10.1.0.0/24")], res, 0);
  take(a, "ctr1");
  take(a, "ctr2");
  res.release(new Owner("ctr1", "eth0"));
  expectStr(take(a, "ctr3"), "10.1.0.4/24 10.1.0.1", "a released address is not reused at once");
  // A later call loads the position from the store; the walk wraps past the end to the start.
  s.map.set("last_reserved_ip.0", "10.1.0.254\n");
  a = new Allocator([range("10.1.0.0/24")], load(s), 0);
  expectStr(take(a, "ctr4"), "10.1.0.2/24 10.1.0.1", "wraps to the start, skipping the gateway");
}

export function range_start_and_end_bound_the_walk_and_exhaustion_is_reported(): void {
  const s = new MapStore();
  const a = new Allocator([range("10.1.0.0/24", "10.1.0.2", "10.1.0.3")], load(s), 0);
  expectStr(take(a, "ctr1"), "10.1.0.2/24 10.1.0.1", "rangeStart");
  expectStr(take(a, "ctr2"), "10.1.0.3/24 10.1.0.1", "rangeEnd");
  expectFalse(a.hasFree().value, "no free address left");
  expectStr(take(a, "ctr3"), "error 999: no IP addresses available in range set: 10.1.0.2-10.1.0.3", "exhausted");
  expectInt(s.map.size, 3, "two reservations and the position");
}

export function a_gateway_inside_the_range_is_never_handed_out(): void {
  const s = new MapStore();
  const a = new Allocator([range("10.1.0.0/24", "10.1.0.2", "10.1.0.4", "10.1.0.3")], load(s), 0);
  expectStr(take(a, "ctr1"), "10.1.0.2/24 10.1.0.3", "before the gateway");
  expectStr(take(a, "ctr2"), "10.1.0.4/24 10.1.0.3", "skips the gateway");
  expectStr(take(a, "ctr3"), "error 999: no IP addresses available in range set: 10.1.0.2-10.1.0.4", "exhausted");
}

export function ipv4_and_ipv6_range_sets_give_one_address_each(): void {
  const s = new MapStore();
  const res = load(s);
  const v4 = new Allocator([range("10.1.0.0/24")], res, 0);
  const v6 = new Allocator([range("fd00:10::/64")], res, 1);
  expectStr(take(v4, "ctr1"), "10.1.0.2/24 10.1.0.1", "v4");
  expectStr(take(v6, "ctr1"), "fd00:10::2/64 fd00:10::1", "v6");
  expectStr(s.value("fd00:10::2"), "ctr1\r\neth0", "v6 key");
  expectStr(s.value("last_reserved_ip.1"), "fd00:10::2", "per-set position");
  expectInt(res.heldBy(new Owner("ctr1", "eth0")).value.length, 2, "held in both sets");
  expectStr(v6.heldBy(new Owner("ctr1", "eth0")).value!.toString(), "fd00:10::2", "held in the v6 set");
}

export function a_set_of_several_ranges_moves_on_to_the_next_range(): void {
  const s = new MapStore();
  const a = new Allocator([range("10.1.0.0/30"), range("10.2.0.0/30")], load(s), 0);
  expectStr(take(a, "ctr1"), "10.1.0.2/30 10.1.0.1", "first range");
  expectStr(take(a, "ctr2"), "10.2.0.2/30 10.2.0.1", "second range, its gateway skipped");
  expectStr(take(a, "ctr3"), "error 999: no IP addresses available in range set: 10.1.0.1-10.1.0.2,10.2.0.1-10.2.0.2", "exhausted");
}

export function release_frees_only_the_attachment_and_is_idempotent(): void {
  const s = new MapStore();
  const res = load(s);
  const a = new Allocator([range("10.1.0.0/24")], res, 0);
  take(a, "ctr1", "", "eth0");
  take(a, "ctr1", "", "eth1");
  take(a, "ctr2", "", "eth0");
  const r = res.release(new Owner("ctr1", "eth0"));
  expectInt(r.value, 1, "one released");
  expectStr(s.value("10.1.0.2"), "(absent)", "its key is gone");
  expectStr(s.value("10.1.0.3"), "ctr1\r\neth1", "the other interface keeps its address");
  expectStr(s.value("10.1.0.4"), "ctr2\r\neth0", "the other container keeps its address");
  expectInt(res.release(new Owner("ctr1", "eth0")).value, 0, "second release: nothing held is fine");
  expectInt(load(s).release(new Owner("never", "eth0")).value, 0, "unknown container");
}

export function values_of_old_versions_hold_the_container_id_only(): void {
  const s = new MapStore();
  s.map.set("10.1.0.9", "ctr9\n");
  s.map.set("10.1.0.10", "ctr10\r\neth0");
  const res = load(s);
  expectInt(res.heldBy(new Owner("ctr9", "eth0")).value.length, 1, "old value counts as held");
  expectStr(ownerOf("ctr9\n").ifname, "", "no ifname in an old value");
  expectStr(ownerOf(" ctr10\r\neth0 ").containerId, "ctr10", "id of a current value");
  expectInt(res.release(new Owner("ctr9", "eth1")).value, 1, "released when nothing current matches");
  expectInt(res.all().value.length, 1, "one left");
}

export function a_second_add_for_one_attachment_is_refused(): void {
  const a = new Allocator([range("10.1.0.0/24")], load(new MapStore()), 0);
  take(a, "ctr1");
  expectStr(take(a, "ctr1"), "error 999: 10.1.0.2 has been allocated to ctr1, duplicate allocation is not allowed", "duplicate");
  expectStr(take(a, "ctr1", "", "eth1"), "10.1.0.3/24 10.1.0.1", "another interface of the container is fine");
}

export function requested_addresses_are_reserved_or_refused_with_the_reason(): void {
  const a = new Allocator([range("10.1.0.0/24")], load(new MapStore()), 0);
  expectStr(take(a, "ctr1", "10.1.0.50"), "10.1.0.50/24 10.1.0.1", "requested");
  expectStr(take(a, "ctr2", "10.1.0.50"), "error 999: requested IP address 10.1.0.50 is not available in range set 10.1.0.1-10.1.0.254", "taken");
  expectStr(take(a, "ctr2", "10.1.0.1"), "error 999: requested ip 10.1.0.1 is subnet's gateway", "gateway");
  expectStr(take(a, "ctr2", "10.9.0.1"), "error 999: 10.9.0.1 not in range set 10.1.0.1-10.1.0.254", "outside");
  expectStr(take(a, "ctr3"), "10.1.0.51/24 10.1.0.1", "the walk goes on after the requested address");
}

export function a_failed_store_write_is_returned_and_nothing_is_held(): void {
  const s = new MapStore();
  const res = load(s);
  const a = new Allocator([range("10.1.0.0/24")], res, 0);
  s.failWrites = true;
  expectStr(take(a, "ctr1"), "error 11: disk busy", "try again later");
  expectFalse(res.isReserved(IP.parse("10.1.0.2")!).value, "not reserved");
  expectInt(s.map.size, 0, "nothing written");
  s.failWrites = false;
  expectStr(take(a, "ctr1"), "10.1.0.2/24 10.1.0.1", "works once the store does");
}

export function keys_that_are_not_addresses_are_left_alone(): void {
  const s = new MapStore();
  s.map.set("status.probe", "");
  s.map.set("last_reserved_ip.0", "garbage");
  s.map.set("10.1.0.2", "ctr1\r\neth0\n");
  const res = load(s);
  expectInt(res.all().value.length, 1, "one reservation");
  expectTrue(res.lastReserved(0) == null, "unreadable position is ignored");
  const all = res.all().value;
  expectStr(all[0].v0.toString() + " " + all[0].v1.containerId + " " + all[0].v1.ifname, "10.1.0.2 ctr1 eth0", "all()");
  expectInt(res.heldBy(new Owner(" ctr1", "eth0")).value.length, 1, "ids are trimmed like Go's");
  const a = new Allocator([range("10.1.0.0/24")], res, 0);
  expectStr(take(a, "ctr2"), "10.1.0.3/24 10.1.0.1", "walk from the start when the position is unreadable");
  expectTrue(a.hasFree().value, "free addresses left");
}

export function an_add_among_many_reservations_asks_for_single_keys_and_never_reads_them_all(): void {
  const s = new MapStore();
  for (let i = 2; i < 1002; i++) s.map.set("10.1." + (i >> 8).toString() + "." + (i & 255).toString(), "ctr" + i.toString() + "\r\neth0");
  s.map.set("last_reserved_ip.0", "10.1.3.233");
  const a = new Allocator([range("10.1.0.0/16")], load(s), 0);
  expectStr(take(a, "new"), "10.1.3.234/16 10.1.0.1", "the next address after the last reserved");
  expectInt(s.entryReads, 0, "no read of every entry");
  expectTrue(s.gets <= 3, "a few single reads, not one per reservation: " + s.gets.toString());
}

export function a_walk_through_a_long_run_of_taken_addresses_reads_the_bucket_once(): void {
  const s = new MapStore();
  for (let i = 2; i < 202; i++) s.map.set("10.1.0." + i.toString(), "ctr" + i.toString() + "\r\neth0");
  const a = new Allocator([range("10.1.0.0/24")], load(s), 0);
  expectStr(take(a, "new"), "10.1.0.202/24 10.1.0.1", "the first free one");
  expectInt(s.entryReads, 1, "read once, after a few single reads");
  expectTrue(s.gets <= 33, "single reads stop: " + s.gets.toString());
}
