// Everything the generated bindings (sdk/bindings/) use from the ABI layer, in one import.
export {
  track, mark, release, freeReceived, utf8Length, utf8Encode, storeString, liftString, loadString,
  allocList, allocArea, beginReturn, endReturn,
} from "./memory";
export { Result, Unit, UNIT, ok, err, okUnit } from "./result";
export { Box } from "./box";
export { Tuple2, Tuple3, Tuple4 } from "./tuple";
export { E_NO_HANDLER, E_VARIANT_CASE } from "./messages";
// Loaded with the bindings so that `--use abort=...` always finds the handler.
import "./abort";
