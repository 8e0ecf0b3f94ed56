// One rule as a user writes it (`-A CHAIN -p tcp --dport 22 -j ACCEPT`) turned into the text iptables-save
// prints for it (`-A CHAIN -p tcp -m tcp --dport 22 -j ACCEPT`), so texts can be compared by meaning. The
// table is not written, so the rule is parsed as each table would take it, in the order filter, nat, mangle,
// raw, security (a `-j DNAT` rule only parses in nat). Chains named by `-j` are taken to exist.

import type { TableName } from './ruleset.js';
import { parseCommandWords } from './rule-parse.js';
import { ruleText } from './rule-print.js';
import { splitWords } from './tokenize.js';

const TABLE_ORDER: readonly TableName[] = ['filter', 'nat', 'mangle', 'raw', 'security'];

export type CanonicalRule =
  /** `texts`: one per address pair (`-s a,b` is two rules), as iptables-save prints them. */
  | { ok: true; chain: string; table: TableName; texts: string[] }
  | { ok: false; message: string; column?: number };

/** `text` as iptables-save would print it back, or the error iptables-restore would give for it. */
export function canonicalRule(text: string): CanonicalRule {
  const words = splitWords(text.trim(), false);
  let first: CanonicalRule | null = null;
  for (const table of TABLE_ORDER) {
    const cmd = parseCommandWords(words, { table, chainExists: () => true });
    if ('message' in cmd) {
      first ??= { ok: false, message: cmd.message, column: cmd.col };
      continue;
    }
    if (cmd.op !== 'append' && cmd.op !== 'insert') return { ok: false, message: 'expected a rule as iptables-save prints it: -A CHAIN ...', column: 1 };
    return { ok: true, chain: cmd.chain, table, texts: cmd.rules.map((r) => ruleText(cmd.chain, r)) };
  }
  return first ?? { ok: false, message: 'no command specified', column: 1 };
}
