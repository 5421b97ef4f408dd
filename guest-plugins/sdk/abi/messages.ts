// Abort messages of the ABI layer, lazily emitted (as std/assembly/util/error.ts).

// @ts-ignore: decorator
@lazy @inline
export const E_RESULT_VALUE: string = "Result.value read on an err";

// @ts-ignore: decorator
@lazy @inline
export const E_RESULT_ERROR: string = "Result.error read on an ok";

// @ts-ignore: decorator
@lazy @inline
export const E_NO_HANDLER: string = "no handler registered for this export: the entry file never called register() (registerController() in a controller)";

// @ts-ignore: decorator
@lazy @inline
export const E_VARIANT_CASE: string = "variant payload read for another case";
