/**
 * The CLI edge, after skel's dispatcher: environment → stdin → config → version → plugin →
 * result or error on stdout. It is the only code that writes stdout, and it returns the exit
 * code rather than setting it, so tests call it in process with an injected env and runner.
 */
import { basename } from "node:path";
import { convertPluginResult, hasCurrentShape, prevResultToCurrent } from "../cni/convert";
import { CniError, toCniError } from "../cni/errors";
import { decodeJsonObject, validateNetConf, type NetConf } from "../cni/netconf";
import {
  CURRENT_VERSION,
  SUPPORTED_VERSIONS,
  checkConfigVersion,
  checkVerbAllowed,
  versionResponse,
  type SupportedVersion,
} from "../cni/version";
import { parseCommand, parseEnv } from "./env";
import { HOST_BINARY_NAME, selectPlugin } from "./plugin-name";
import type { CliIo, CniCall, PluginRunner } from "./plugin-runner";
import { configText } from "./stdin";

/** Go's skel prints JSON indented by four spaces; runtimes parse either, people read this. */
function printJson(io: CliIo, value: unknown): void {
  io.stdout(`${JSON.stringify(value, null, 4)}\n`);
}

/** What a call has learnt so far, for the error report. */
interface Progress {
  cniVersion?: string;
  pluginName?: string;
}

export async function runCli(io: CliIo, runner: PluginRunner): Promise<number> {
  const progress: Progress = {};
  try {
    if (!io.env["CNI_COMMAND"]) {
      // skel prints its "about" text and exits 0 when run by hand without a command.
      io.stderr(aboutText(io.argv0));
      return 0;
    }
    const command = parseCommand(io.env["CNI_COMMAND"]);
    if (command === "VERSION") {
      printJson(io, versionResponse(inputVersion(io)));
      return 0;
    }
    const env = parseEnv(command, io.env);
    const stdin = configText(io.stdin());
    const raw = decodeJsonObject(stdin, "network config");
    const parsed = validateNetConf(raw);
    const version = checkConfigVersion(parsed.cniVersion);
    progress.cniVersion = version;
    checkVerbAllowed(command, version);
    const pluginName = selectPlugin(io.argv0, parsed);
    progress.pluginName = pluginName;
    const { config, rawConfig } = withCurrentPrevResult(raw, parsed, stdin, version);
    const call: CniCall = { ...env, config, rawConfig, pluginName };
    const result = await runner.run(call);
    if (command === "ADD") printJson(io, convertPluginResult(result, pluginName, version));
    return 0;
  } catch (e) {
    return reportError(io, e, progress);
  }
}

/**
 * The config as plugins see it: a prevResult lifted to the current version. Plugins read the
 * raw text, so when the prevResult's JSON shape changed (0.x) the text is rewritten with the
 * lifted one; otherwise it is stdin byte for byte, as delegated plugins expect.
 */
function withCurrentPrevResult(
  raw: Record<string, unknown>,
  parsed: NetConf,
  stdin: Buffer,
  version: SupportedVersion,
): { config: NetConf; rawConfig: string } {
  if (parsed.prevResult === undefined) return { config: parsed, rawConfig: stdin.toString("utf8") };
  const { result, fromVersion } = prevResultToCurrent(parsed.prevResult, version);
  const rawConfig = hasCurrentShape(fromVersion) ? stdin.toString("utf8") : JSON.stringify({ ...raw, prevResult: result });
  return { config: { ...parsed, prevResult: result }, rawConfig };
}

/**
 * Error JSON on stdout (never a stack), exit code 1. A CniError is expected and gets one line
 * on stderr; anything else is a host bug and gets its stack there.
 */
function reportError(io: CliIo, e: unknown, progress: Progress): number {
  const err = toCniError(e).withVersion(progress.cniVersion ?? CURRENT_VERSION);
  const who = progress.pluginName === undefined ? HOST_BINARY_NAME : `${HOST_BINARY_NAME}: ${progress.pluginName}`;
  if (e instanceof CniError) io.stderr(`${who}: ${err.message.replace(/\s*\n\s*/g, " ")}\n`);
  else io.stderr(`${who}: ${e instanceof Error && e.stack ? e.stack : String(e)}\n`);
  try {
    printJson(io, err.toJSON());
  } catch (writeError) {
    // stdout is gone (EPIPE): the exit code is all the runtime will get.
    io.stderr(`${who}: cannot write the error to stdout: ${String(writeError)}\n`);
  }
  return 1;
}

/** VERSION's stdin is optional and only its cniVersion matters; anything unreadable is ignored. */
function inputVersion(io: CliIo): string | undefined {
  try {
    const v = decodeJsonObject(configText(io.stdin()), "version request")["cniVersion"];
    return typeof v === "string" ? v : undefined;
  } catch {
    return undefined;
  }
}

/** skel's "about" line: what this binary is, as whichever name it was exec'd under. */
function aboutText(argv0: string): string {
  const exe = basename(argv0);
  const what =
    exe === HOST_BINARY_NAME
      ? `${HOST_BINARY_NAME}: runs CNI plugins as sandboxed WebAssembly components`
      : `CNI ${exe} plugin (a WebAssembly component run by ${HOST_BINARY_NAME})`;
  return `${what}\nCNI protocol versions supported: ${SUPPORTED_VERSIONS.join(", ")}\n`;
}
