// Shared setup for kernel integration tests: the addon, fresh namespaces, handles closed after each test.
import { afterEach } from "vitest";
import { loadNative, type NativeApi } from "../../../host/kernel/native";
import { NetnsHandle } from "../../../host/kernel/netns";
import { RtnlHandle } from "../../../host/kernel/rtnl/handle";
import { createNetns, type TestNetns } from "../../helpers/netns";

export const native: NativeApi = loadNative();

export interface KernelNs {
  test: TestNetns;
  ns: NetnsHandle;
  h: RtnlHandle;
}

const cleanups: Array<() => void> = [];

afterEach(() => {
  for (const fn of cleanups.splice(0).reverse()) fn();
});

/** A fresh netns with an open NetnsHandle and RtnlHandle, all removed after the test. */
export function freshNs(): KernelNs {
  const test = createNetns("k");
  const ns = NetnsHandle.open(native, test.path);
  const h = RtnlHandle.openAt(ns);
  cleanups.push(() => {
    h.close();
    ns.close();
    test.remove();
  });
  return { test, ns, h };
}
