// Result<T, E>: what a WIT `result<T, E>` becomes. AS has no exceptions, so expected failures
// are values; reading the wrong side is a broken invariant and traps.
import { E_RESULT_ERROR, E_RESULT_VALUE } from "./messages";

/** The ok payload of `result<_, E>`: Result<Unit, E> carries no value. */
export type Unit = bool;
/** The one Unit value. */
export const UNIT: Unit = true;

/**
 * What a WIT `result<T, E>` becomes, and what every fallible SDK function returns (E = CniError:
 * see Done, done, fail). Check `isOk`/`isErr`, then read `value` or `error`.
 */
export class Result<T, E> {
  /** Use ok(), err(), done() or fail() rather than this. */
  constructor(
    /** true for ok, false for err. */
    readonly isOk: bool,
    private readonly _value: T,
    private readonly _error: E,
  ) {}

  /** true for err. */
  get isErr(): bool {
    return !this.isOk;
  }

  /** The ok value; traps on err. */
  get value(): T {
    if (!this.isOk) throw new Error(E_RESULT_VALUE);
    return this._value;
  }

  /** The error; traps on ok. */
  get error(): E {
    if (this.isOk) throw new Error(E_RESULT_ERROR);
    return this._error;
  }

  /**
   * This err re-typed for the caller's own return type, the one way to pass an error up:
   * `if (r.isErr) return r.pass<string>();`. Traps on ok.
   */
  pass<U>(): Result<U, E> {
    if (this.isOk) throw new Error(E_RESULT_ERROR);
    return new Result<U, E>(false, zero<U>(), this._error);
  }

  /** The ok value, or `fallback` on err. */
  valueOr(fallback: T): T {
    return this.isOk ? this._value : fallback;
  }
}

/** A zero value of any type (null for references), for the unused side of a Result. */
// @ts-ignore: decorator
@inline
function zero<T>(): T {
  if (isReference<T>()) return changetype<T>(0);
  else return <T>0;
}

/** ok(v): `ok<LinkInfo, HostError>(info)`. */
export function ok<T, E>(value: T): Result<T, E> {
  return new Result<T, E>(true, value, zero<E>());
}

/** err(e): `err<LinkInfo, HostError>(e)`. */
export function err<T, E>(error: E): Result<T, E> {
  return new Result<T, E>(false, zero<T>(), error);
}

/** The ok of a `result<_, E>`: `return okUnit<CniError>()`. */
export function okUnit<E>(): Result<Unit, E> {
  return new Result<Unit, E>(true, UNIT, zero<E>());
}
