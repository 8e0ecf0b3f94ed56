// A Cluster scenario's node patch (`patches[].iptables`): restore text applied with `iptables-restore --noflush`
// to the node's rules as its components left them, taking every command the real tool takes (docs/scenarios.md,
// "patches"; test/kernel/cluster-patch-chain.test.ts compares the result with the kernel's).

import { printSave, restore } from '../kernel/netfilter/index.js';
import type { RestoreError } from '../kernel/netfilter/index.js';
import { IptablesText, PreparedRestore } from './iptables-text.js';

export interface PatchedNodeRules {
  /** The node's rules after the patch; the rules given when the patch was refused. */
  rules: IptablesText;
  /** Why iptables-restore refuses the patch (the whole text, as the real tool does), by line of the patch. */
  errors: RestoreError[];
}

/**
 * `iptables-restore --noflush` of `text` onto a node's rules, checked by our restore() (the node's chains may be
 * written to and jumped to undeclared). A patch of `:CHAIN`, `-A` and `-I` lines only, as the components write,
 * is applied to the rules as text, which keeps their shared layers; any other command (`-D`, `-F`, `-X`, `-N`,
 * `-P`, `-Z`, `-R`, `-E`, long options, `[p:b]` counters) makes the node's rules the iptables-save of restore()'s result,
 * each rule as it was written (`ruleText: 'source'`). Rules compare by meaning there, as in the kernel
 * (nft_cmd_rule_delete() finds the rule by its parsed expressions): `-D C -s 10.0.0.1 -j ACCEPT` deletes the
 * rule saved as `-s 10.0.0.1/32 -j ACCEPT`.
 */
export function patchNodeRules(rules: IptablesText, text: string): PatchedNodeRules {
  const result = restore(text, restore(rules.render()).ruleset, { noflush: true });
  if (result.errors.length > 0) return { rules, errors: result.errors };
  const p = new PreparedRestore(text);
  // The text model refuses only a numbered insert past a chain's end, which restore() refused above.
  if (p.rejected.length === 0 && rules.applyPrepared(p).length === 0) return { rules, errors: [] };
  const saved = new IptablesText();
  saved.applyRestore(printSave(result.ruleset, { ruleText: 'source' }));
  return { rules: saved, errors: [] };
}
