// Guest tests of guest-plugins/sdk/hash: SHA-512 against FIPS 180-4's "abc" vector and Python's
// hashlib (padding at and across the 112-byte boundary, UTF-8 input), and Go's names.
import { sha512Hex, formatHashWithPrefix } from "@wasm-cni/sdk";
import { expectStr } from "./expect.as";

export function sha512_matches_the_fips_vector_and_hashlib(): void {
  expectStr(sha512Hex("abc"),
    "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f",
    "abc (FIPS 180-4)");
  expectStr(sha512Hex("").substring(0, 40), "cf83e1357eefb8bdf1542850d66d8007d620e405", "empty");
  expectStr(sha512Hex("a".repeat(200)).substring(0, 40), "4b11459c33f52a22ee8236782714c150a3b2c609", "200 bytes: two blocks");
  expectStr(sha512Hex("ü".repeat(60)).substring(0, 40), "4eca4cde138f98784275ff8fd33ba698718c59b5", "120 UTF-8 bytes: the length spills into a second block");
}

export function formatHashWithPrefix_names_as_go(): void {
  expectStr(formatHashWithPrefix(15, "bwp", "mynetctr1"), "bwp5145007e2a84", "bandwidth's ifb of network mynet, container ctr1");
}
