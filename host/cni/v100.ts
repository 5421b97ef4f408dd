/**
 * Result schemas for spec 1.0.0 and 1.1.0, after libcni's pkg/types/100 (one Go package for
 * both: the JSON only grew). Unknown keys are stripped, as Go's struct decoding drops them,
 * so a result printed for 1.0.0 holds only what SPEC.md 1.0.0 defines.
 */
import { z } from "zod";
import { cidrString, ipString } from "./ip-format";

const uint = z.number().int().nonnegative();

export const dnsSchema = z.object({
  nameservers: z.array(z.string()).optional(),
  domain: z.string().optional(),
  search: z.array(z.string()).optional(),
  options: z.array(z.string()).optional(),
});

const interfaceV100 = z.object({
  name: z.string(),
  mac: z.string().optional(),
  sandbox: z.string().optional(),
});

const ipConfig = z.object({
  address: cidrString,
  gateway: ipString.optional(),
  /** Index into `interfaces`; IPAM results leave it out. */
  interface: uint.optional(),
});

const routeV100 = z.object({
  dst: cidrString,
  gw: ipString.optional(),
});

/** SPEC.md at spec-v1.0.0. Every list is optional: IPAM results are abbreviated. */
export const resultV100Schema = z.object({
  cniVersion: z.string().optional(),
  interfaces: z.array(interfaceV100).optional(),
  ips: z.array(ipConfig).optional(),
  routes: z.array(routeV100).optional(),
  dns: dnsSchema.optional(),
});

/** 1.1.0 adds interface mtu, socketPath, pciID and route mtu, advmss, priority, table, scope. */
export const resultV110Schema = resultV100Schema.extend({
  interfaces: z
    .array(interfaceV100.extend({ mtu: uint.optional(), socketPath: z.string().optional(), pciID: z.string().optional() }))
    .optional(),
  routes: z
    .array(
      routeV100.extend({
        mtu: uint.optional(),
        advmss: uint.optional(),
        priority: uint.optional(),
        table: uint.optional(),
        /** global (0), link (253), host (254). */
        scope: uint.max(255).optional(),
      }),
    )
    .optional(),
});

export type ResultV100 = z.infer<typeof resultV100Schema>;
export type ResultV110 = z.infer<typeof resultV110Schema>;
