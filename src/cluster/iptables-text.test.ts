import { describe, expect, it } from 'vitest';
import { restore } from '../kernel/netfilter/index.js';
import fc from 'fast-check';
import { ReferenceIptablesText } from '../../test/support/reference-iptables-text.js';
import { IptablesText, PreparedRestore } from './iptables-text.js';

describe('IptablesText', () => {
  it('appends, inserts, dedups and renders restore input the kernel model takes', () => {
    const t = new IptablesText();
    t.append('nat', 'POSTROUTING', '-j FLANNEL-POSTRTG').chain('nat', 'FLANNEL-POSTRTG');
    t.append('nat', 'POSTROUTING', '-j FLANNEL-POSTRTG', true);
    t.insert('nat', 'POSTROUTING', '-j CNI-HOSTPORT-MASQ');
    t.chain('nat', 'CNI-HOSTPORT-MASQ');
    t.policy('filter', 'FORWARD', 'DROP');
    const text = t.render();
    expect(text).toContain(':FORWARD DROP [0:0]');
    expect(text.indexOf('-A POSTROUTING -j CNI-HOSTPORT-MASQ')).toBeLessThan(text.indexOf('-A POSTROUTING -j FLANNEL-POSTRTG'));
    expect(text.match(/-A POSTROUTING -j FLANNEL-POSTRTG/g)).toHaveLength(1);
    expect(text.indexOf(':CNI-HOSTPORT-MASQ')).toBeLessThan(text.indexOf(':FLANNEL-POSTRTG'));
    expect(restore(text).errors).toEqual([]);
  });

  it('takes a renderer\'s restore text with --noflush semantics', () => {
    const t = new IptablesText();
    t.append('nat', 'PREROUTING', '-j A');
    expect(t.applyRestore('*nat\n:KUBE-SERVICES - [0:0]\n-I PREROUTING -j KUBE-SERVICES\nbogus\nCOMMIT\n')).toEqual(['bogus']);
    expect(t.render()).toMatch(/-A PREROUTING -j KUBE-SERVICES\n-A PREROUTING -j A/);
  });
});

describe('IptablesText :CHAIN lines, as iptables-restore --noflush takes them', () => {
  // Checked with iptables 1.8.9 (nf_tables) in a scratch namespace (test/kernel/cluster-patch-chain.test.ts
  // compares the same texts with the real tool's iptables-save).
  const rulesOf = (t: IptablesText): string[] => t.render().split('\n').filter((l) => l.startsWith('-A') || l.startsWith(':'));
  it('flushes a user chain it declares, created by a component or a shared layer, and sets a built-in chain\'s policy without flushing it', () => {
    const layer = new PreparedRestore('*nat\n:KUBE-SERVICES - [0:0]\n-A KUBE-SERVICES -j KUBE-NODEPORTS\nCOMMIT\n');
    const t = new IptablesText();
    t.append('filter', 'FOO', '-s 1.1.1.1/32 -j ACCEPT').append('filter', 'INPUT', '-s 2.2.2.2/32 -j DROP');
    t.applyPrepared(layer, { share: true });
    expect(t.applyRestore('*filter\n:FOO - [0:0]\n:INPUT DROP [5:100]\n:OUTPUT - [0:0]\n:NEW ACCEPT [3:4]\n-A FOO -s 9.9.9.9/32 -j ACCEPT\nCOMMIT\n*nat\n:KUBE-SERVICES - [0:0]\nCOMMIT\n')).toEqual([]);
    expect(rulesOf(t)).toEqual([
      ':PREROUTING ACCEPT [0:0]', ':INPUT ACCEPT [0:0]', ':OUTPUT ACCEPT [0:0]', ':POSTROUTING ACCEPT [0:0]', ':KUBE-SERVICES - [0:0]',
      ':INPUT DROP [0:0]', ':FORWARD ACCEPT [0:0]', ':OUTPUT ACCEPT [0:0]', ':FOO - [0:0]', ':NEW - [0:0]',
      '-A INPUT -s 2.2.2.2/32 -j DROP', '-A FOO -s 9.9.9.9/32 -j ACCEPT',
    ]);
    // The other namespace holding the layer keeps its rules.
    const other = new IptablesText();
    other.applyPrepared(layer, { share: true });
    expect(other.render()).toContain('-A KUBE-SERVICES -j KUBE-NODEPORTS\n');
  });

  it('flushes again on a second declaration in one text, rules written before it included', () => {
    const t = new IptablesText();
    t.append('filter', 'FOO', '-s 1.1.1.1/32');
    t.applyRestore('*filter\n-A FOO -s 5.5.5.5/32\n:FOO - [0:0]\n-A FOO -s 3.3.3.3/32\n:FOO - [0:0]\n-A FOO -s 4.4.4.4/32\nCOMMIT\n');
    expect(rulesOf(t).filter((l) => l.startsWith('-A'))).toEqual(['-A FOO -s 4.4.4.4/32']);
    const shared = new IptablesText();
    shared.applyPrepared(new PreparedRestore('*nat\n:X - [0:0]\n-A X -j RETURN\n:X - [0:0]\n-A X -j ACCEPT\nCOMMIT\n'), { share: true });
    expect(rulesOf(shared).filter((l) => l.startsWith('-A'))).toEqual(['-A X -j ACCEPT']);
  });
});

describe('IptablesText shared layers', () => {
  const tables = ['nat', 'filter', 'raw', 'x'];
  const chains = ['PREROUTING', 'INPUT', 'FORWARD', 'POSTROUTING', 'KUBE-A', 'KUBE-B', 'KUBE-C', 'AA', 'FLANNEL', 'Z-LAST'];
  const rests = ['-j RETURN', '-s 10.0.0.1/32 -j ACCEPT', ''];
  const line = fc.oneof(
    fc.constantFrom(...tables).map((t) => `*${t}`),
    fc.tuple(fc.constantFrom(...chains), fc.constantFrom('-', 'ACCEPT', 'DROP', 'RETURN')).map(([c, p]) => `:${c} ${p} [0:0]`),
    fc.tuple(fc.constantFrom('A', 'I'), fc.constantFrom(...chains), fc.constantFrom(...rests)).map(([o, c, r]) => `-${o} ${c} ${r}`),
    fc.constantFrom('COMMIT', '# comment', 'bogus', ''),
  );
  const text = fc.array(line, { maxLength: 14 }).map((ls) => `${ls.join('\n')}\n`);
  type Op =
    | { k: 'append'; t: string; c: string; r: string; unique: boolean }
    | { k: 'insert' | 'chain' | 'policy'; t: string; c: string; r: string }
    | { k: 'restore'; text: string }
    | { k: 'layered'; i: number };
  const op: fc.Arbitrary<Op> = fc.oneof(
    fc.record({ k: fc.constant('append' as const), t: fc.constantFrom(...tables), c: fc.constantFrom(...chains), r: fc.constantFrom(...rests), unique: fc.boolean() }),
    fc.record({ k: fc.constantFrom('insert' as const, 'chain' as const, 'policy' as const), t: fc.constantFrom(...tables), c: fc.constantFrom(...chains), r: fc.constantFrom(...rests) }),
    fc.record({ k: fc.constant('restore' as const), text }),
    fc.record({ k: fc.constant('layered' as const), i: fc.nat({ max: 2 }) }),
  );

  it('renders, answers has() and rejects lines exactly as the plain implementation, however layers are shared', () => {
    fc.assert(
      fc.property(fc.array(text, { minLength: 3, maxLength: 3 }), fc.array(op, { maxLength: 12 }), fc.array(op, { maxLength: 12 }), (texts, opsA, opsB) => {
        const prepared = texts.map((t) => new PreparedRestore(t));
        // Two namespaces taking the same prepared texts: a change in one must never show in the other.
        const run = (ops: Op[]): [IptablesText, ReferenceIptablesText, string[], string[]] => {
          const mine = new IptablesText();
          const ref = new ReferenceIptablesText();
          const got: string[] = [];
          const want: string[] = [];
          for (const o of ops) {
            if (o.k === 'append') {
              mine.append(o.t, o.c, o.r, o.unique);
              ref.append(o.t, o.c, o.r, o.unique);
            } else if (o.k === 'insert') {
              mine.insert(o.t, o.c, o.r);
              ref.insert(o.t, o.c, o.r);
            } else if (o.k === 'chain') {
              mine.chain(o.t, o.c);
              ref.chain(o.t, o.c);
            } else if (o.k === 'policy') {
              mine.policy(o.t, o.c, o.r === '' ? 'DROP' : 'ACCEPT');
              ref.policy(o.t, o.c, o.r === '' ? 'DROP' : 'ACCEPT');
            } else if (o.k === 'restore') {
              got.push(...mine.applyRestore(o.text));
              want.push(...ref.applyRestore(o.text));
            } else if (o.k === 'layered') {
              got.push(...mine.applyPrepared(prepared[o.i], { share: true }));
              want.push(...ref.applyRestore(texts[o.i]));
            }
            for (const t of tables) for (const c of chains) for (const r of rests) if (mine.has(t, c, r) !== ref.has(t, c, r)) got.push(`has ${t} ${c} ${r}`);
          }
          return [mine, ref, got, want];
        };
        const [a, aRef, aGot, aWant] = run(opsA);
        const [b, bRef, bGot, bWant] = run(opsB);
        expect(aGot).toEqual(aWant);
        expect(bGot).toEqual(bWant);
        expect(a.render()).toBe(aRef.render());
        expect(b.render()).toBe(bRef.render());
        expect(a.isEmpty()).toBe(aRef.isEmpty());
      }),
      { numRuns: 400, seed: 11 },
    );
  });

  it('shares one copy of the created chains between namespaces and copies them on a change', () => {
    const p = new PreparedRestore('*nat\n:KUBE-SERVICES - [0:0]\n:KUBE-SVC-A - [0:0]\n-A KUBE-SERVICES -j KUBE-SVC-A\n-A KUBE-SVC-A -j RETURN\n-I PREROUTING -j KUBE-SERVICES\nCOMMIT\n');
    const a = new IptablesText();
    const b = new IptablesText();
    a.append('nat', 'POSTROUTING', '-j FLANNEL-POSTRTG').chain('nat', 'FLANNEL-POSTRTG');
    a.applyPrepared(p, { share: true });
    b.applyPrepared(p, { share: true });
    b.append('nat', 'KUBE-SVC-A', '-j DROP');
    expect(a.render()).toBe('*nat\n:PREROUTING ACCEPT [0:0]\n:INPUT ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n:POSTROUTING ACCEPT [0:0]\n:FLANNEL-POSTRTG - [0:0]\n:KUBE-SERVICES - [0:0]\n:KUBE-SVC-A - [0:0]\n-A PREROUTING -j KUBE-SERVICES\n-A POSTROUTING -j FLANNEL-POSTRTG\n-A KUBE-SERVICES -j KUBE-SVC-A\n-A KUBE-SVC-A -j RETURN\nCOMMIT\n');
    expect(b.render()).toContain('-A KUBE-SVC-A -j RETURN\n-A KUBE-SVC-A -j DROP\n');
    expect(a.render()).not.toContain('-j DROP');
  });
});
