// Assertions for the guest-side SDK tests: each names what it checks and shows both values.

export function expectStr(actual: string, expected: string, what: string): void {
  assert(actual == expected, what + ": got \"" + actual + "\", want \"" + expected + "\"");
}

export function expectInt(actual: i64, expected: i64, what: string): void {
  assert(actual == expected, what + ": got " + actual.toString() + ", want " + expected.toString());
}

export function expectTrue(cond: bool, what: string): void {
  assert(cond, what);
}

export function expectFalse(cond: bool, what: string): void {
  assert(!cond, what + " (expected false)");
}
