export { CniErrorCode, FIRST_PLUGIN_ERROR_CODE } from "./errors";
// CniError itself is the WIT record class; the package index exports it from bindings/.
export {
  Done, done, fail, newCniError, invalidConfigError, internalError, tryAgainLaterError, notAvailableError, limitedConnectivityError, pluginError, wrapCniError,
  cniErrorToJson, formatCniError,
} from "./cni-error";
export { checkKnownArgs, ignoresUnknownArgs } from "./cni-args";
export { Dns } from "./dns";
export { CniResult, Interface, IPConfig, Route, CURRENT_VERSION } from "./result";
export { ResultParse, parseResult, readResult, resultFromValue } from "./result-read";
export { NetConf, NetConfParse, parseNetConf } from "./netconf";
export { readCidr, optCidr, readIP, optIP, cidrAt, ipAt } from "./read-ip";
