// Network namespaces (Go's pkg/ns): the call's container and host netns as handles.
export { containerNetns, hostNetns } from "./netns";
