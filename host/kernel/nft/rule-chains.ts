// The base chains of a plugin's `inet` table that typed rules (rule-vocabulary.ts) go into,
// made on first use, at the priorities nft names dstnat (-100), filter (0) and srcnat (100).
// nat-postrouting is the chain ensure-masquerade uses (masquerade.ts) as well.
import { type BaseChain, NF_HOOK } from "./chain";
import { masqueradeChain } from "./masquerade";
import { NFPROTO } from "./message-types";

/** The chains of the firewall WIT's `chain` enum. */
export type RuleChainName = "nat-prerouting" | "nat-output" | "nat-postrouting" | "filter-forward" | "filter-input";

/** Every RuleChainName, in the order `rules` reports them. */
export const RULE_CHAINS: readonly RuleChainName[] = ["nat-prerouting", "nat-output", "nat-postrouting", "filter-forward", "filter-input"];

/** The base chain of `table` a RuleChainName stands for. */
export function ruleChain(table: string, name: RuleChainName): BaseChain {
  const inet = { family: NFPROTO.INET, table } as const;
  switch (name) {
    case "nat-prerouting":
      return { ...inet, name: "prerouting", type: "nat", hook: NF_HOOK.PREROUTING, priority: -100 };
    case "nat-output":
      return { ...inet, name: "output", type: "nat", hook: NF_HOOK.OUTPUT, priority: -100 };
    case "nat-postrouting":
      return masqueradeChain(table);
    case "filter-forward":
      return { ...inet, name: "forward", type: "filter", hook: NF_HOOK.FORWARD, priority: 0 };
    case "filter-input":
      return { ...inet, name: "input", type: "filter", hook: NF_HOOK.INPUT, priority: 0 };
  }
}
