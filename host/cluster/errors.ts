// Typed errors of the cluster store: the agent branches on them (retry another endpoint, re-grant
// a lost lease, take another subnet).

/** No endpoint answered (refused, reset, timed out): the caller retries later. */
export class EtcdUnreachableError extends Error {
  override readonly name = "EtcdUnreachableError";
  readonly code = "ETCD_UNREACHABLE";
  constructor(op: string, endpoints: readonly string[], reasons: readonly string[], options?: { cause?: unknown }) {
    super(`etcd ${op}: no endpoint answered (${endpoints.map((e, i) => `${e}: ${reasons[i] ?? "not tried"}`).join("; ")})`, options);
  }
}

/** An endpoint answered something that is not etcd's JSON gateway answer (wrong service, bad proxy). */
export class EtcdBadResponseError extends Error {
  override readonly name = "EtcdBadResponseError";
  readonly code = "ETCD_BAD_RESPONSE";
  constructor(op: string, endpoint: string, why: string, options?: { cause?: unknown }) {
    super(`etcd ${op} at ${endpoint}: bad response: ${why}`, options);
  }
}

/** gRPC status codes etcd answers with (google.golang.org/grpc/codes). */
export const GrpcCode = { NOT_FOUND: 5, FAILED_PRECONDITION: 9, UNAVAILABLE: 14 } as const;

/** etcd refused the request ("etcdserver: requested lease not found", code 5). */
export class EtcdServerError extends Error {
  override readonly name = "EtcdServerError";
  readonly code = "ETCD_SERVER";
  constructor(op: string, readonly grpcCode: number, readonly serverMessage: string) {
    super(`etcd ${op}: ${serverMessage} (gRPC code ${grpcCode})`);
  }

  /** A put on, or keep-alive of, a lease that expired or was revoked. */
  get leaseNotFound(): boolean {
    return this.grpcCode === GrpcCode.NOT_FOUND && /lease not found/.test(this.serverMessage);
  }
}

/** A transaction's compare failed: the key was taken (or changed) by someone else meanwhile. */
export class EtcdCompareFailedError extends Error {
  override readonly name = "EtcdCompareFailedError";
  readonly code = "ETCD_COMPARE_FAILED";
  constructor(
    readonly key: string,
    /** The key's value and revision now, when it exists. */
    readonly current: { value: string; modRevision: number } | undefined,
  ) {
    super(`etcd: ${key} was changed by someone else${current ? ` (now ${JSON.stringify(current.value)})` : " (now absent)"}`);
  }
}

/**
 * The node name is registered on a lease this agent does not know: another agent runs under
 * the same name (names must be unique), or this node's previous run, whose state was lost,
 * within its lease's TTL. The agent waits for that lease to go rather than share its subnet.
 */
export class NodeNameHeldError extends Error {
  override readonly name = "NodeNameHeldError";
  readonly code = "NODE_NAME_HELD";
  constructor(readonly node: string, readonly lease: string) {
    super(`node name ${node} is registered on lease ${lease}, which is not this agent's: another agent runs under the same name (node names must be unique), or this node's previous run within its lease TTL`);
  }
}
