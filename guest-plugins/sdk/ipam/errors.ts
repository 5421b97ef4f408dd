// Messages of the ipam folder, as std/assembly/util/error.ts keeps its messages. Each one is
// the predicate of `field "<path>" ...`, so that an operator reads one sentence per problem.

// @ts-ignore: decorator
@lazy @inline export const E_EMPTY_RANGE_SET = "must not be empty: a range set holds at least one range";
// @ts-ignore: decorator
@lazy @inline export const E_MIXED_FAMILIES = "must be of the address family of the set's first range";
// @ts-ignore: decorator
@lazy @inline export const E_ATTACHMENT = "must be an object with string fields \"containerID\" and \"ifname\"";
// @ts-ignore: decorator
@lazy @inline export const E_SCOPE = "must be a route scope from 0 to 255";
