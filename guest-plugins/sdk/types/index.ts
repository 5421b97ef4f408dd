// CNI types (Go's pkg/types): the error record and its builders, the one failure convention
// (`Done`, `done`, `fail`), host errors as CNI errors, the network config, the result and its
// reading, and config fields that hold addresses or a MAC.
export { CniErrorCode, FIRST_PLUGIN_ERROR_CODE } from "./errors";
// CniError itself is the WIT record class; the package index exports it from bindings/.
export {
  Done, done, fail, newCniError, invalidConfigError, internalError, tryAgainLaterError, notAvailableError, limitedConnectivityError, pluginError, wrapCniError,
  cniErrorToJson, formatCniError,
} from "./cni-error";
export { describeHostError, hostErrorToCni, isGone } from "./host-error";
export { checkKnownArgs, ignoresUnknownArgs } from "./cni-args";
export { Dns } from "./dns";
export { CniResult, Interface, IPConfig, Route, CURRENT_VERSION } from "./result";
export { parseResult, readResult, resultFromValue } from "./result-read";
export { NetConf, parseNetConf } from "./netconf";
export { readCidr, optCidr, readIP, optIP, cidrAt, ipAt } from "./read-ip";
export { readRequestedMac, isMac } from "./mac";
