/**
 * Which plugin a call is for. Runtimes exec a binary named after the config's `type` in
 * CNI_PATH, so a symlink `bridge -> wasm-cni` arrives with argv[0] "bridge". Exec'd under its
 * own name the host reads the config: `"type": "wasm-cni"` with a `"plugin"` key, or `type`.
 */
import { basename } from "node:path";
import { CniError, CniErrorCode } from "../cni/errors";
import type { NetConf } from "../cni/netconf";
import { CNI_NAME } from "../cni/netconf";

/** The host binary's own name; any other name is a plugin name. */
export const HOST_BINARY_NAME = "wasm-cni";

/** A plugin name must be a plain file name: it selects a component on disk. */
function checked(name: string, from: string): string {
  if (CNI_NAME.test(name)) return name;
  throw new CniError(
    CniErrorCode.INVALID_NETWORK_CONFIG,
    `${from} is not a valid plugin name: ${JSON.stringify(name)}`,
    'letters, digits, "_", "." and "-", starting with a letter or digit',
  );
}

export function selectPlugin(argv0: string, config: NetConf): string {
  const exe = basename(argv0);
  if (exe !== HOST_BINARY_NAME) return checked(exe, "executable name");
  if (config.type !== HOST_BINARY_NAME) return checked(config.type, 'network config: field "type"');
  const plugin = config["plugin"];
  if (typeof plugin !== "string" || plugin === "") {
    throw new CniError(
      CniErrorCode.INVALID_NETWORK_CONFIG,
      `network config: field "plugin" is required when "type" is "${HOST_BINARY_NAME}"`,
    );
  }
  return checked(plugin, 'network config: field "plugin"');
}
