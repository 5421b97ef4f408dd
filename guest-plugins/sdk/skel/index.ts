// The verbs (Go's pkg/skel): `register` (from bindings/) takes one handler per verb; STATUS, GC
// and CHECK of a plugin that delegates to an IPAM plugin are one line each through these.
export { statusVerb, gcVerb, checkVerb } from "./verbs";
