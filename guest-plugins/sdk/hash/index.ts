export { sha512, sha512Hex, formatHashWithPrefix } from "./sha512";
