/**
 * A small etcd v3 client over etcd's JSON gateway (grpc-gateway: POST /v3/<service>/<method>,
 * keys and values base64, int64 as decimal strings), with node:http and no dependency, like the
 * few calls of go.etcd.io/etcd/client/v3 that flannel's subnet manager makes. Every answer goes
 * through zod; endpoints are tried in turn (the last one that answered first); each request has
 * a time limit. Watches stream newline-delimited JSON.
 */
import { Agent, request as httpRequest, type IncomingMessage } from "node:http";
import { request as httpsRequest } from "node:https";
import * as z from "zod/mini";
import { describeZodError } from "../cni/zod-issue";
import { EtcdBadResponseError, EtcdCompareFailedError, EtcdServerError, EtcdUnreachableError, GrpcCode } from "./errors";

export interface EtcdClientOptions {
  /** "http://10.0.0.254:2379", ... */
  endpoints: readonly string[];
  /** Time limit of one request on one endpoint (connect included); default 5 s. */
  timeoutMs?: number;
}

/** One key as etcd keeps it. */
export interface KeyValue {
  key: string;
  value: string;
  createRevision: number;
  modRevision: number;
  /** The lease the key is attached to ("0": none). */
  lease: string;
}

export interface WatchEvent {
  type: "put" | "delete";
  kv: KeyValue;
}

const int64 = z.string().check(z.regex(/^-?[0-9]+$/, "must be a decimal integer"));
const header = z.looseObject({ revision: z.optional(int64) });
const kvSchema = z.looseObject({
  key: z.string(),
  value: z.optional(z.string()),
  create_revision: z.optional(int64),
  mod_revision: z.optional(int64),
  lease: z.optional(int64),
});
const rangeSchema = z.looseObject({ header, kvs: z.optional(z.array(kvSchema)) });
const putSchema = z.looseObject({ header });
const deleteSchema = z.looseObject({ header, deleted: z.optional(int64) });
const txnSchema = z.looseObject({
  header,
  succeeded: z.optional(z.boolean()),
  responses: z.optional(z.array(z.looseObject({ response_range: z.optional(rangeSchema) }))),
});
const grantSchema = z.looseObject({ header, ID: int64, TTL: int64, error: z.optional(z.string()) });
const keepAliveSchema = z.looseObject({ result: z.looseObject({ header, ID: z.optional(int64), TTL: z.optional(int64) }) });
const timeToLiveSchema = z.looseObject({ header, TTL: int64 });
const watchLineSchema = z.looseObject({
  result: z.optional(z.looseObject({
    header,
    created: z.optional(z.boolean()),
    canceled: z.optional(z.boolean()),
    compact_revision: z.optional(int64),
    cancel_reason: z.optional(z.string()),
    events: z.optional(z.array(z.looseObject({ type: z.optional(z.string()), kv: kvSchema }))),
  })),
  error: z.optional(z.looseObject({ grpc_code: z.optional(z.number()), message: z.optional(z.string()) })),
});
/** What the gateway answers with a non-200 status: the gRPC status. */
const errorSchema = z.looseObject({ code: z.number(), message: z.optional(z.string()), error: z.optional(z.string()) });

const b64 = (s: string): string => Buffer.from(s, "utf8").toString("base64");
const unb64 = (s: string | undefined): string => Buffer.from(s ?? "", "base64").toString("utf8");

/** The end of the range of keys starting with `prefix` (etcd's GetPrefixRangeEnd), base64. */
function prefixEnd(prefix: string): string {
  const bytes = Buffer.from(prefix, "utf8");
  for (let i = bytes.length - 1; i >= 0; i--) {
    if (bytes[i]! < 0xff) return Buffer.concat([bytes.subarray(0, i), Buffer.of(bytes[i]! + 1)]).toString("base64");
  }
  return Buffer.of(0).toString("base64"); // every key
}

function toKv(kv: z.infer<typeof kvSchema>): KeyValue {
  return {
    key: unb64(kv.key),
    value: unb64(kv.value),
    createRevision: Number(kv.create_revision ?? 0),
    modRevision: Number(kv.mod_revision ?? 0),
    lease: kv.lease ?? "0",
  };
}

/** Statuses after which another endpoint may do better (the member is down or has no leader). */
const TRY_NEXT = new Set([502, 503, 504]);

export class EtcdClient {
  private readonly endpoints: URL[];
  private readonly timeoutMs: number;
  /** Keeps connections open between requests; destroyed by close(). */
  private readonly agent = new Agent({ keepAlive: true, maxSockets: 8 });
  /** The endpoint that answered last, tried first. */
  private preferred = 0;

  constructor(opts: EtcdClientOptions) {
    if (opts.endpoints.length === 0) throw new Error("etcd: no endpoints");
    this.endpoints = opts.endpoints.map((e) => new URL(e));
    this.timeoutMs = opts.timeoutMs ?? 5_000;
  }

  /** Keys equal to `key`, or starting with it (`prefix`), and the store's revision. Equivalent to: `etcdctl get [--prefix] $key` */
  async range(key: string, opts: { prefix?: boolean } = {}): Promise<{ revision: number; kvs: KeyValue[] }> {
    const body = { key: b64(key), ...(opts.prefix && { range_end: prefixEnd(key) }) };
    const r = await this.call("range", "/v3/kv/range", body, rangeSchema);
    return { revision: Number(r.header.revision ?? 0), kvs: (r.kvs ?? []).map(toKv) };
  }

  /** Equivalent to: `etcdctl put [--lease=$lease] $key $value` */
  async put(key: string, value: string, opts: { lease?: string } = {}): Promise<void> {
    await this.call("put", "/v3/kv/put", { key: b64(key), value: b64(value), ...(opts.lease && { lease: opts.lease }) }, putSchema);
  }

  /** Deletes `key` (or every key under it); answers how many went. Equivalent to: `etcdctl del [--prefix] $key` */
  async delete(key: string, opts: { prefix?: boolean } = {}): Promise<number> {
    const body = { key: b64(key), ...(opts.prefix && { range_end: prefixEnd(key) }) };
    const r = await this.call("delete", "/v3/kv/deleterange", body, deleteSchema);
    return Number(r.deleted ?? 0);
  }

  /**
   * Puts `key` only if it does not exist (txn compare create_revision == 0), so that of two
   * writers at once exactly one wins. Throws EtcdCompareFailedError with the winner's value.
   */
  create(key: string, value: string, opts: { lease?: string } = {}): Promise<void> {
    return this.putIf(key, value, opts, { target: "CREATE", create_revision: "0" });
  }

  /** Puts `key` only if nobody changed it since `modRevision`; throws EtcdCompareFailedError otherwise. */
  replace(key: string, value: string, modRevision: number, opts: { lease?: string } = {}): Promise<void> {
    return this.putIf(key, value, opts, { target: "MOD", mod_revision: String(modRevision) });
  }

  private async putIf(key: string, value: string, opts: { lease?: string }, compare: Record<string, string>): Promise<void> {
    const k = b64(key);
    const r = await this.call("txn", "/v3/kv/txn", {
      compare: [{ key: k, result: "EQUAL", ...compare }],
      success: [{ request_put: { key: k, value: b64(value), ...(opts.lease && { lease: opts.lease }) } }],
      failure: [{ request_range: { key: k } }],
    }, txnSchema);
    if (r.succeeded === true) return;
    const now = r.responses?.[0]?.response_range?.kvs?.[0];
    throw new EtcdCompareFailedError(key, now && { value: unb64(now.value), modRevision: Number(now.mod_revision ?? 0) });
  }

  /** A new lease of `ttl` seconds; answers its id. Equivalent to: `etcdctl lease grant $ttl` */
  async leaseGrant(ttl: number): Promise<string> {
    const r = await this.call("lease grant", "/v3/lease/grant", { TTL: String(ttl) }, grantSchema);
    if (r.error) throw new EtcdServerError("lease grant", 0, r.error);
    return r.ID;
  }

  /** Renews the lease once; answers the seconds it now has, 0 when it is gone. Equivalent to: `etcdctl lease keep-alive --once $id` */
  async leaseKeepAlive(id: string): Promise<number> {
    const r = await this.call("lease keep-alive", "/v3/lease/keepalive", { ID: id }, keepAliveSchema);
    return Number(r.result.TTL ?? 0);
  }

  /** Seconds the lease has left, -1 when it is gone. Equivalent to: `etcdctl lease timetolive $id` */
  async leaseTimeToLive(id: string): Promise<number> {
    const r = await this.call("lease time-to-live", "/v3/lease/timetolive", { ID: id }, timeToLiveSchema);
    return Number(r.TTL);
  }

  /** Ends the lease now and deletes its keys; false when it was gone already. Equivalent to: `etcdctl lease revoke $id` */
  async leaseRevoke(id: string): Promise<boolean> {
    try {
      await this.call("lease revoke", "/v3/lease/revoke", { ID: id }, putSchema);
      return true;
    } catch (e) {
      if (e instanceof EtcdServerError && e.leaseNotFound) return false;
      throw e;
    }
  }

  /**
   * Streams the changes of `key` (or of every key under it) after `startRevision` to `onEvents`
   * until `signal` aborts (then it resolves). Rejects when the stream breaks or etcd cancels it
   * (compacted past startRevision): the caller reads everything again and watches anew.
   * Equivalent to: `etcdctl watch [--prefix] --rev=$startRevision $key`
   */
  async watch(
    key: string,
    opts: { prefix?: boolean; startRevision?: number },
    onEvents: (events: WatchEvent[], revision: number) => void,
    signal: AbortSignal,
  ): Promise<void> {
    const create = {
      key: b64(key),
      ...(opts.prefix && { range_end: prefixEnd(key) }),
      ...(opts.startRevision !== undefined && { start_revision: String(opts.startRevision) }),
    };
    const { res, endpoint } = await this.open("watch", "/v3/watch", { create_request: create }, signal);
    if (res === undefined) return; // aborted while connecting
    await new Promise<void>((resolve, reject) => {
      let buffered = "";
      const fail = (e: Error): void => {
        res.destroy();
        reject(e);
      };
      const onAbort = (): void => {
        res.destroy();
        resolve();
      };
      signal.addEventListener("abort", onAbort, { once: true });
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => {
        buffered += chunk;
        for (let nl = buffered.indexOf("\n"); nl >= 0; nl = buffered.indexOf("\n")) {
          const line = buffered.slice(0, nl).trim();
          buffered = buffered.slice(nl + 1);
          if (line === "") continue;
          const problem = this.watchLine(line, endpoint, onEvents);
          if (problem) return fail(problem);
        }
      });
      res.on("error", (e) => {
        if (!signal.aborted) reject(new EtcdUnreachableError("watch", [endpoint], [e.message], { cause: e }));
      });
      res.on("close", () => {
        signal.removeEventListener("abort", onAbort);
        if (!signal.aborted) reject(new EtcdUnreachableError("watch", [endpoint], ["the stream ended"]));
      });
    });
  }

  /** Handles one line of a watch stream; answers the error that ends the stream, if any. */
  private watchLine(line: string, endpoint: string, onEvents: (events: WatchEvent[], revision: number) => void): Error | undefined {
    let json: unknown;
    try {
      json = JSON.parse(line);
    } catch {
      return new EtcdBadResponseError("watch", endpoint, `not JSON: ${line.slice(0, 200)}`);
    }
    const parsed = watchLineSchema.safeParse(json);
    if (!parsed.success) return new EtcdBadResponseError("watch", endpoint, describeZodError("", parsed.error));
    const { result, error } = parsed.data;
    if (error || !result) return new EtcdServerError("watch", error?.grpc_code ?? 0, error?.message ?? "no result");
    if (result.canceled) {
      const why = result.compact_revision ? `compacted at revision ${result.compact_revision}` : result.cancel_reason ?? "canceled";
      return new EtcdServerError("watch", GrpcCode.FAILED_PRECONDITION, why);
    }
    const events = (result.events ?? []).map((e): WatchEvent => ({ type: e.type === "DELETE" ? "delete" : "put", kv: toKv(e.kv) }));
    if (events.length > 0) onEvents(events, Number(result.header.revision ?? 0));
    return undefined;
  }

  /** Closes the kept-alive connections; requests after this fail. */
  close(): void {
    this.agent.destroy();
  }

  /** One request and its zod-checked JSON answer, from the first endpoint that answers. */
  private async call<S extends z.ZodMiniType>(op: string, path: string, body: unknown, schema: S): Promise<z.infer<S>> {
    const { res, endpoint } = await this.open(op, path, body);
    if (res === undefined) throw new EtcdUnreachableError(op, [endpoint], ["aborted"]); // only with a signal
    const text = await readBody(res, this.timeoutMs).catch((e: Error) => {
      throw new EtcdUnreachableError(op, [endpoint], [e.message], { cause: e });
    });
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw new EtcdBadResponseError(op, endpoint, `HTTP ${res.statusCode}, not JSON: ${text.slice(0, 200)}`);
    }
    if (res.statusCode !== 200) {
      const err = errorSchema.safeParse(json);
      if (!err.success) throw new EtcdBadResponseError(op, endpoint, `HTTP ${res.statusCode}: ${text.slice(0, 200)}`);
      throw new EtcdServerError(op, err.data.code, err.data.message ?? err.data.error ?? "");
    }
    const parsed = schema.safeParse(json);
    if (!parsed.success) throw new EtcdBadResponseError(op, endpoint, describeZodError("", parsed.error));
    return parsed.data as z.infer<S>;
  }

  /**
   * Sends a POST to each endpoint in turn until one answers with a status worth reading;
   * answers the response (body unread). With a signal that aborts, res is undefined.
   */
  private async open(op: string, path: string, body: unknown, signal?: AbortSignal): Promise<{ res: IncomingMessage | undefined; endpoint: string }> {
    const text = JSON.stringify(body);
    const reasons: string[] = [];
    const order = this.endpoints.map((_, i) => (this.preferred + i) % this.endpoints.length);
    for (const i of order) {
      const url = this.endpoints[i]!;
      if (signal?.aborted) return { res: undefined, endpoint: url.origin };
      try {
        const res = await post(url, path, text, this.timeoutMs, this.agent, signal);
        if (res !== undefined && TRY_NEXT.has(res.statusCode ?? 0)) {
          res.resume();
          reasons[i] = `HTTP ${res.statusCode}`;
          continue;
        }
        this.preferred = i;
        return { res, endpoint: url.origin };
      } catch (e) {
        reasons[i] = (e as Error).message;
      }
    }
    throw new EtcdUnreachableError(op, this.endpoints.map((u) => u.origin), reasons);
  }
}

/** One POST; resolves with the response once its headers are in (undefined if aborted first). */
function post(url: URL, path: string, body: string, timeoutMs: number, agent: Agent, signal?: AbortSignal): Promise<IncomingMessage | undefined> {
  return new Promise((resolve, reject) => {
    const send = url.protocol === "https:" ? httpsRequest : httpRequest;
    const req = send({
      protocol: url.protocol,
      hostname: url.hostname,
      port: url.port,
      path: url.pathname.replace(/\/$/, "") + path,
      method: "POST",
      headers: { "content-type": "application/json", "content-length": Buffer.byteLength(body) },
      ...(url.protocol === "http:" && { agent }),
    });
    const timer = setTimeout(() => req.destroy(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
    const onAbort = (): void => {
      req.destroy();
      clearTimeout(timer);
      resolve(undefined);
    };
    signal?.addEventListener("abort", onAbort, { once: true });
    req.on("response", (res) => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", onAbort);
      resolve(res);
    });
    req.on("error", (e) => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", onAbort);
      reject(e);
    });
    req.end(body);
  });
}

/** The whole body as text, within the time limit. */
function readBody(res: IncomingMessage, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => res.destroy(new Error(`body not complete within ${timeoutMs} ms`)), timeoutMs);
    res.on("data", (c: Buffer) => chunks.push(c));
    res.on("end", () => {
      clearTimeout(timer);
      resolve(Buffer.concat(chunks).toString("utf8"));
    });
    res.on("error", (e) => {
      clearTimeout(timer);
      reject(e);
    });
  });
}
