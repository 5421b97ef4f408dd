// What WIT tuples become: `tuple<string, string>` is Tuple2<string, string> (fields v0, v1).

/** A WIT tuple of 2 (fields v0, v1). */
export class Tuple2<A, B> {
  /** The fields in order. */
  constructor(public v0: A, public v1: B) {}
}

/** A WIT tuple of 3 (fields v0, v1, v2). */
export class Tuple3<A, B, C> {
  /** The fields in order. */
  constructor(public v0: A, public v1: B, public v2: C) {}
}

/** A WIT tuple of 4 (fields v0 … v3). */
export class Tuple4<A, B, C, D> {
  /** The fields in order. */
  constructor(public v0: A, public v1: B, public v2: C, public v3: D) {}
}
