// A CRI client (runtime.v1, api.proto beside this file) over containerd's Unix socket: the calls
// the kubelet makes to run a pod, typed only as far as the e2e test reads them.
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { credentials, loadPackageDefinition, type Client, type ServiceError } from "@grpc/grpc-js";
import { loadSync } from "@grpc/proto-loader";

export type Protocol = "TCP" | "UDP" | "SCTP";

export interface PortMapping {
  protocol: Protocol;
  container_port: number;
  host_port: number;
  host_ip?: string;
}

/** runtime.v1.PodSandboxConfig, the fields the test sets. */
export interface PodSandboxConfig {
  metadata: { name: string; uid: string; namespace: string; attempt: number };
  hostname: string;
  log_directory: string;
  port_mappings: PortMapping[];
  labels?: Record<string, string>;
}

/** runtime.v1.ContainerConfig, the fields the test sets. */
export interface ContainerConfig {
  metadata: { name: string; attempt: number };
  image: { image: string };
  command: string[];
  args: string[];
  log_path: string;
}

export interface PodSandboxStatus {
  id: string;
  state: "SANDBOX_READY" | "SANDBOX_NOTREADY";
  network: { ip: string; additional_ips: { ip: string }[] } | null;
  linux: { namespaces: { options: { network: string } } } | null;
}

export interface ContainerStatus {
  id: string;
  state: "CONTAINER_CREATED" | "CONTAINER_RUNNING" | "CONTAINER_EXITED" | "CONTAINER_UNKNOWN";
  exit_code: number;
  message: string;
}

export interface CriClient {
  version(): Promise<{ runtime_name: string; runtime_version: string; runtime_api_version: string }>;
  imageStatus(image: string): Promise<{ image: { id: string; repo_tags: string[] } | null }>;
  runPodSandbox(config: PodSandboxConfig): Promise<string>;
  podSandboxStatus(id: string): Promise<PodSandboxStatus>;
  listPodSandbox(): Promise<{ id: string; state: string }[]>;
  createContainer(podId: string, config: ContainerConfig, sandboxConfig: PodSandboxConfig): Promise<string>;
  startContainer(id: string): Promise<void>;
  containerStatus(id: string): Promise<ContainerStatus>;
  execSync(id: string, cmd: string[], timeoutS: number): Promise<{ stdout: string; stderr: string; exit_code: number }>;
  stopContainer(id: string, timeoutS: number): Promise<void>;
  removeContainer(id: string): Promise<void>;
  stopPodSandbox(id: string): Promise<void>;
  removePodSandbox(id: string): Promise<void>;
  close(): void;
}

type Unary = (req: object, cb: (err: ServiceError | null, res: unknown) => void) => void;

// Beside this file, or (bundled into build/tools by scripts/ts.mjs for the CRI bench) where it lives in the repo.
const PROTO = [join(import.meta.dirname, "api.proto"), resolve("test/e2e/cri/api.proto")].find((p) => existsSync(p)) ?? "api.proto";

/** A client of the RuntimeService and ImageService at `unix://<socket>`. */
export function connectCri(socket: string): CriClient {
  // keepCase: field names as in the .proto (snake_case); enums as their names; bytes as Buffer.
  const def = loadSync(PROTO, { keepCase: true, enums: String, longs: Number, defaults: true, oneofs: true });
  const v1 = (loadPackageDefinition(def)["runtime"] as Record<string, Record<string, new (addr: string, creds: unknown) => Client>>)["v1"]!;
  const address = `unix://${socket}`;
  const runtime = new v1["RuntimeService"]!(address, credentials.createInsecure());
  const images = new v1["ImageService"]!(address, credentials.createInsecure());

  /** One unary call; the error names the method and carries containerd's message. */
  const call = <T>(service: Client, method: string, req: object): Promise<T> =>
    new Promise((resolve, reject) => {
      const fn = (service as unknown as Record<string, Unary>)[method];
      if (!fn) return reject(new Error(`CRI has no method ${method}`));
      fn.call(service, req, (err, res) => (err ? reject(new Error(`CRI ${method}: ${err.details || err.message}`, { cause: err })) : resolve(res as T)));
    });
  const r = <T>(method: string, req: object) => call<T>(runtime, method, req);

  return {
    version: () => r("Version", { version: "v1" }),
    imageStatus: (image) => call(images, "ImageStatus", { image: { image } }),
    runPodSandbox: async (config) => (await r<{ pod_sandbox_id: string }>("RunPodSandbox", { config })).pod_sandbox_id,
    podSandboxStatus: async (id) => (await r<{ status: PodSandboxStatus }>("PodSandboxStatus", { pod_sandbox_id: id })).status,
    listPodSandbox: async () => (await r<{ items: { id: string; state: string }[] }>("ListPodSandbox", {})).items,
    createContainer: async (podId, config, sandboxConfig) =>
      (await r<{ container_id: string }>("CreateContainer", { pod_sandbox_id: podId, config, sandbox_config: sandboxConfig })).container_id,
    startContainer: async (id) => void (await r("StartContainer", { container_id: id })),
    containerStatus: async (id) => (await r<{ status: ContainerStatus }>("ContainerStatus", { container_id: id })).status,
    execSync: async (id, cmd, timeoutS) => {
      const res = await r<{ stdout: Buffer; stderr: Buffer; exit_code: number }>("ExecSync", { container_id: id, cmd, timeout: timeoutS });
      return { stdout: res.stdout.toString(), stderr: res.stderr.toString(), exit_code: res.exit_code };
    },
    stopContainer: async (id, timeoutS) => void (await r("StopContainer", { container_id: id, timeout: timeoutS })),
    removeContainer: async (id) => void (await r("RemoveContainer", { container_id: id })),
    stopPodSandbox: async (id) => void (await r("StopPodSandbox", { pod_sandbox_id: id })),
    removePodSandbox: async (id) => void (await r("RemovePodSandbox", { pod_sandbox_id: id })),
    close: () => {
      runtime.close();
      images.close();
    },
  };
}
