/**
 * Turns a zod failure into one sentence a person can act on, naming the field the way they
 * would write it in a conflist: `field "ipam.type" must be a string`. zod's own messages
 * ("Invalid input: expected string, received undefined") say what but not where.
 */
import * as z from "zod/mini";
import en from "zod/v4/locales/en.js";

// zod/mini ships without messages (15 KB against 450 KB for the full build with every
// locale); English ones say "received undefined" for a missing key, which problem() reads.
z.config({ ...en(), jitless: true });

/** `["ips", 0, "address"]` → `ips[0].address`. */
export function fieldPath(path: readonly PropertyKey[]): string {
  let out = "";
  for (const key of path) {
    if (typeof key === "number") out += `[${key}]`;
    else out += out === "" ? String(key) : `.${String(key)}`;
  }
  return out;
}

/** What is wrong with one value, without the field name. */
function problem(issue: z.core.$ZodIssue): string {
  // A schema's own message (`.min(1, "must not be empty")`) is already phrased for a field.
  if (!/^(Invalid|Too (small|big))\b/.test(issue.message)) return issue.message;
  switch (issue.code) {
    case "invalid_type":
      // zod v4 reports a missing key as "received undefined"; say "is required" instead.
      if (/received undefined$/.test(issue.message) && issue.path.length > 0) return "is required";
      return `must be ${article(issue.expected)}`;
    case "too_small":
      return `must be ${issue.inclusive ? ">=" : ">"} ${String(issue.minimum)}${sizeUnit(issue.origin)}`;
    case "invalid_value":
      return `must be ${oneOf(issue.values.map((v) => JSON.stringify(v)))}`;
    case "too_big":
      return `must be ${issue.inclusive ? "<=" : "<"} ${String(issue.maximum)}${sizeUnit(issue.origin)}`;
    default:
      return issue.message;
  }
}

/** `"4"` or `one of "4" or "6"` or `one of "a", "b" or "c"`. */
function oneOf(values: string[]): string {
  if (values.length <= 1) return values[0] ?? "nothing";
  return `one of ${values.slice(0, -1).join(", ")} or ${values[values.length - 1]}`;
}

function article(expected: string): string {
  if (expected === "int") return "an integer";
  if (expected === "record") return "an object";
  if (expected === "array" || expected === "object") return `an ${expected}`;
  return `a ${expected}`;
}

function sizeUnit(origin: string): string {
  if (origin === "array" || origin === "set") return " items";
  if (origin === "string") return " characters";
  return "";
}

/**
 * The first issue as `<what>: field "<path>" <problem>` (or `<what>: <problem>` at the root;
 * an empty `what` leaves out the lead).
 * `under` prefixes the path when the value sat inside a larger document (`prevResult`).
 */
export function describeZodError(what: string, error: z.core.$ZodError, under: readonly PropertyKey[] = []): string {
  const issue = error.issues[0];
  const lead = what === "" ? "" : `${what}: `;
  if (!issue) return `${lead}invalid`;
  const path = fieldPath([...under, ...issue.path]);
  return path === "" ? `${lead}${problem(issue)}` : `${lead}field "${path}" ${problem(issue)}`;
}
