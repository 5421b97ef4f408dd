// What WIT tuples become: `tuple<string, string>` is Tuple2<string, string> (fields v0, v1).

export class Tuple2<A, B> {
  constructor(public v0: A, public v1: B) {}
}

export class Tuple3<A, B, C> {
  constructor(public v0: A, public v1: B, public v2: C) {}
}

export class Tuple4<A, B, C, D> {
  constructor(public v0: A, public v1: B, public v2: C, public v3: D) {}
}
