// ChainNameRecall answers as the map it recalls from: over random runs of declarations, deletions (which
// forget) and asks, in kube-proxy's order and in any order, every answer has the map's characters, and an
// answer is given exactly when the map has the name.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ChainNameRecall } from './restore-name-recall.js';

type Step = { op: 'declare'; name: string } | { op: 'delete'; name: string } | { op: 'ask'; name: string };

/** Runs `steps` as parseRestore() drives the recall: a declaration sets the map, a deletion forgets. */
function run(steps: readonly Step[]): void {
  const map = new Map<string, string>();
  const recall = new ChainNameRecall((n) => map.get(n));
  for (const s of steps) {
    if (s.op === 'declare') {
      if (!map.has(s.name)) recall.declared(s.name);
      map.set(s.name, s.name);
    } else if (s.op === 'delete') {
      map.delete(s.name);
      recall.forget();
    } else {
      // A slice of a longer text, as the parse asks (never the map's own string).
      const asked = `-A ${s.name} `.slice(3, 3 + s.name.length);
      expect(recall.ask(asked)).toBe(map.get(s.name));
    }
  }
}

// Names that share their last characters collide in the table of names asked lately.
const name = fc.constantFrom('A', 'KUBE-SEP-AB', 'KUBE-SVC-AB', 'KUBE-SEP-CD', '');
const step: fc.Arbitrary<Step> = fc.oneof(
  { weight: 2, arbitrary: name.map((n) => ({ op: 'declare' as const, name: n })) },
  { weight: 1, arbitrary: name.map((n) => ({ op: 'delete' as const, name: n })) },
  { weight: 6, arbitrary: name.map((n) => ({ op: 'ask' as const, name: n })) },
);

describe('ChainNameRecall', () => {
  it('answers what the map answers, over any declarations, deletions and asks', () => {
    fc.assert(fc.property(fc.array(step, { maxLength: 60 }), (steps) => run(steps)), { numRuns: 2000 });
  });

  it('answers what the map answers in kube-proxy order (declarations, then jumps in order, then each chain again)', () => {
    const services = fc.array(fc.integer({ min: 1, max: 5 }), { minLength: 1, maxLength: 30 });
    fc.assert(
      fc.property(services, fc.boolean(), (eps, skip) => {
        const steps: Step[] = [{ op: 'declare', name: 'KUBE-SERVICES' }, { op: 'declare', name: 'KUBE-MARK-MASQ' }];
        const names = eps.map((n, s) => ({ svc: `KUBE-SVC-${s}`, seps: Array.from({ length: n }, (_, e) => `KUBE-SEP-${s}-${e}`) }));
        for (const { svc, seps } of names) steps.push({ op: 'declare', name: svc }, ...seps.map((n) => ({ op: 'declare' as const, name: n })));
        // A declared chain no line names (skip): the cursor finds its way again.
        for (const [s, { svc, seps }] of names.entries()) {
          if (skip && s % 3 === 1) continue;
          steps.push({ op: 'ask', name: 'KUBE-SERVICES' }, { op: 'ask', name: svc }, { op: 'ask', name: 'KUBE-MARK-MASQ' });
          for (const n of seps) steps.push({ op: 'ask', name: n });
          for (const n of seps) steps.push({ op: 'ask', name: n }, { op: 'ask', name: 'KUBE-MARK-MASQ' }, { op: 'ask', name: 'NOWHERE' });
        }
        run(steps);
      }),
      { numRuns: 200 },
    );
  });
});
