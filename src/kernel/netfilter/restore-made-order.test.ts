// writable() (restore-apply.ts) looks for a chain first among the chains the block made, in the order it made
// them (kube-proxy writes its chains in the order it declares them), then in the table's map. Held to a model
// of named chains over blocks that make chains, delete them, make them again and write them in any order, with
// and without a rule cache (the one-pass restore's appendRule / appendEntry) and without --noflush.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { restore } from './restore-apply.js';
import { RuleParseCache } from './rule-parse-cache.js';
import { printSave } from './save-print.js';
import { emptyRuleset } from './ruleset.js';

type Op = { op: 'decl' | 'new' | 'drop' | 'app'; chain: string; n: number };

const names = ['C', 'D', 'KUBE-SEP-1'];
const opArb = fc.record({
  op: fc.constantFrom('decl', 'decl', 'new', 'drop', 'drop', 'app', 'app', 'app') as fc.Arbitrary<Op['op']>,
  chain: fc.constantFrom(...names),
  n: fc.nat(3),
});
const rule = (n: number): string => (n === 3 ? '-j KUBE-MARK-MASQ' : `-s 10.0.0.${n}/32 -j ACCEPT`);

/** The model's chains as a restore text that makes them (MARK-MASQ first, as every rule may jump there). */
function text(model: Map<string, string[]>): string {
  const decls = [...model.keys()].map((c) => `:${c} - [0:0]`);
  const rules = [...model].flatMap(([c, rs]) => rs.map((r) => `-A ${c} ${r}`));
  return `*nat\n:KUBE-MARK-MASQ - [0:0]\n${[...decls, ...rules].join('\n')}\nCOMMIT\n`;
}

describe('the chains a block made, looked for in order', () => {
  it('a block writes the chains a simple model of named chains says, whatever it makes, deletes and makes again', () => {
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 24 }), fc.boolean(), (ops, cached) => {
        const model = new Map<string, string[]>();
        const lines: string[] = [':KUBE-MARK-MASQ - [0:0]'];
        for (const o of ops) {
          const rs = model.get(o.chain);
          // Only what the kernel accepts: the model is of a block that commits.
          if (o.op === 'decl') {
            lines.push(`:${o.chain} - [0:0]`);
            model.set(o.chain, []);
          } else if (o.op === 'new' && rs === undefined) {
            lines.push(`-N ${o.chain}`);
            model.set(o.chain, []);
          } else if (o.op === 'drop' && rs !== undefined) {
            // An empty chain is deleted without a write that would find it first.
            if (rs.length > 0) lines.push(`-F ${o.chain}`);
            lines.push(`-X ${o.chain}`);
            model.delete(o.chain);
          } else if (o.op === 'app' && rs !== undefined) {
            lines.push(`-A ${o.chain} ${rule(o.n)}`);
            rs.push(rule(o.n));
          }
        }
        const opts = cached ? { cache: new RuleParseCache() } : {};
        // The same lines twice over, the second time answered from the cache's templates.
        for (let round = 0; round < (cached ? 2 : 1); round++) {
          const r = restore(`*nat\n${lines.join('\n')}\nCOMMIT\n`, emptyRuleset(), opts);
          expect(r.errors).toEqual([]);
          expect(printSave(r.ruleset)).toBe(printSave(restore(text(model)).ruleset));
        }
      }),
      {
        numRuns: 2000,
        // D, next in order after C is written, is deleted before any line wrote it, then made again: the first D
        // must not be found in order.
        examples: [[[{ op: 'decl', chain: 'C', n: 0 }, { op: 'decl', chain: 'D', n: 0 }, { op: 'app', chain: 'C', n: 1 }, { op: 'drop', chain: 'D', n: 0 }, { op: 'decl', chain: 'D', n: 0 }, { op: 'app', chain: 'D', n: 2 }], false]],
      },
    );
  });
});
