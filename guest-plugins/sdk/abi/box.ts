// Box<T>: what `option<T>` of a value type (u32, bool, an enum) becomes, as `Box<T> | null`.
// Options of reference types (string, records, lists) are plain `T | null`.

/** A present `option<T>` of a value type; `null` is the absent one. Make with some(). */
export class Box<T> {
  /** The value. */
  constructor(readonly value: T) {}
}

/** some<u32>(1500): a present optional value of a value type. */
export function some<T>(value: T): Box<T> {
  return new Box<T>(value);
}
