/**
 * Result schemas for spec 1.0.0 and 1.1.0, after libcni's pkg/types/100 (one Go package for
 * both: the JSON only grew). Unknown keys are stripped, as Go's struct decoding drops them,
 * so a result printed for 1.0.0 holds only what SPEC.md 1.0.0 defines.
 */
import * as z from "zod/mini";
import { cidrString, ipString } from "./ip-format";
import { dnsSchema, routeSchema, uint } from "./result-parts";

export { dnsSchema };

/** Built on first use: a DEL or CHECK never needs them, and zod schemas cost ~1 ms to build. */
function buildSchemas() {
  const interfaceV100 = z.object({
    name: z.string(),
    mac: z.optional(z.string()),
    sandbox: z.optional(z.string()),
  });

  const ipConfig = z.object({
    address: cidrString,
    gateway: z.optional(ipString),
    /** Index into `interfaces`; IPAM results leave it out. */
    interface: z.optional(uint),
  });

  /** SPEC.md at spec-v1.0.0. Every list is optional: IPAM results are abbreviated. */
  const resultV100Schema = z.object({
    cniVersion: z.optional(z.string()),
    interfaces: z.optional(z.array(interfaceV100)),
    ips: z.optional(z.array(ipConfig)),
    routes: z.optional(z.array(routeSchema)),
    dns: z.optional(dnsSchema),
  });

  /** 1.1.0 adds interface mtu, socketPath, pciID and route mtu, advmss, priority, table, scope. */
  const resultV110Schema = z.extend(resultV100Schema, {
    interfaces: z.optional(
      z.array(z.extend(interfaceV100, { mtu: z.optional(uint), socketPath: z.optional(z.string()), pciID: z.optional(z.string()) })),
    ),
    routes: z.optional(
      z.array(
        z.extend(routeSchema, {
          mtu: z.optional(uint),
          advmss: z.optional(uint),
          priority: z.optional(uint),
          table: z.optional(uint),
          /** global (0), link (253), host (254). */
          scope: z.optional(z.int().check(z.nonnegative(), z.maximum(255))),
        }),
      ),
    ),
  });
  return { resultV100Schema, resultV110Schema };
}

let schemas: ReturnType<typeof buildSchemas> | undefined;
export const resultV100Schema = () => (schemas ??= buildSchemas()).resultV100Schema;
export const resultV110Schema = () => (schemas ??= buildSchemas()).resultV110Schema;

export type ResultV100 = z.infer<ReturnType<typeof resultV100Schema>>;
export type ResultV110 = z.infer<ReturnType<typeof resultV110Schema>>;
