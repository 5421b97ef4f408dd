export { CniErrorCode, FIRST_PLUGIN_ERROR_CODE } from "./errors";
export { CniError } from "./cni-error";
export { Dns } from "./dns";
export { Result, Interface, IPConfig, Route, CURRENT_VERSION } from "./result";
export { ResultParse, parseResult, readResult, resultFromValue } from "./result-read";
export { NetConf, NetConfParse, parseNetConf } from "./netconf";
export { readCidr, optCidr, readIP, optIP, cidrAt, ipAt } from "./read-ip";
