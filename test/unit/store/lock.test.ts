import { describe, expect, it } from "vitest";
import { LockTimeoutError, pollingLocker } from "../../../host/store/lock";

describe("pollingLocker", () => {
  it("retries until the lock is free", () => {
    let tries = 0;
    pollingLocker(() => ++tries >= 3, 1000)(7);
    expect(tries).toBe(3);
  });

  it("gives up with LockTimeoutError when the holder never lets go", () => {
    const lock = pollingLocker(() => false, 50);
    expect(() => lock(7)).toThrow(LockTimeoutError);
  });

  it("passes the fd to the lock function", () => {
    const fds: number[] = [];
    pollingLocker((fd) => (fds.push(fd), true), 10)(42);
    expect(fds).toEqual([42]);
  });
});
