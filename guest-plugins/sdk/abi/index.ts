// The safe part of the ABI layer that plugins use; realloc, abort and memory stay internal.
export { Result, Unit, UNIT, ok, err, okUnit } from "./result";
export { Box, some } from "./box";
export { Tuple2, Tuple3, Tuple4 } from "./tuple";
import "./abort";
