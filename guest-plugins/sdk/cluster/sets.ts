// Set differences over string keys: what a reconcile adds (want minus have) and removes (have
// minus want), each entry keyed by the fields that make it the same entry.

/** The items of `a` not in `b`, in the order of `a`, each once. */
export function difference(a: string[], b: string[]): string[] {
  const inB = new Set<string>();
  for (let i = 0; i < b.length; i++) inB.add(b[i]);
  const seen = new Set<string>();
  const out: string[] = [];
  for (let i = 0; i < a.length; i++) {
    const s = a[i];
    if (inB.has(s) || seen.has(s)) continue;
    seen.add(s);
    out.push(s);
  }
  return out;
}
