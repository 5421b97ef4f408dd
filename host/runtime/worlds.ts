/**
 * The worlds of wit/world.wit a component may be built for, and their canonical ABI tables
 * (host/generated/abi.ts). A `plugin` serves CNI calls (run-plugin.ts); a `controller` is
 * called by `wasm-cni agent` with the cluster's view (run-controller.ts). A component's world
 * is what its main core module exports (main-module.ts); a plugin folder's meta.json records it.
 */
import { CONTROLLER_WORLD, WORLD } from "../generated/abi";
import type { AbiWorld } from "./abi/types";

export const WORLD_NAMES = ["plugin", "controller"] as const;
export type WorldName = (typeof WORLD_NAMES)[number];

const ABI: Readonly<Record<WorldName, AbiWorld>> = { plugin: WORLD, controller: CONTROLLER_WORLD };

/** The canonical ABI table of `world`. */
export function worldAbi(world: WorldName): AbiWorld {
  return ABI[world];
}

/** What a component of `world` is, for messages: "a CNI plugin (world plugin)". */
export function describeWorld(world: WorldName): string {
  return world === "plugin" ? "a CNI plugin (world plugin)" : "a node controller (world controller)";
}
