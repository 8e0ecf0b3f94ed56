// A node patch takes every command our restore() takes, with restore()'s result: the text model (`:CHAIN`, `-A`,
// `-I` only, keeping the shared layers) and the restore's iptables-save give the same rules.

import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { formatRestoreError, printSave, restore } from '../kernel/netfilter/index.js';
import { IptablesText, PreparedRestore } from './iptables-text.js';
import { patchNodeRules } from './node-patch-rules.js';

/** What every node gets from one text (as kube-proxy's): held by reference, the shared layer. */
const SHARED = new PreparedRestore(
  '*filter\n:SVC - [0:0]\n:SEP - [0:0]\n-A FORWARD -m comment --comment "service portals" -j SVC\n-A SVC -s 10.0.0.1 -j SEP\n-A SVC -j SEP\n-A SEP -j ACCEPT\nCOMMIT\n'
  + '*nat\n:MASQ - [0:0]\n-A POSTROUTING -j MASQ\n-A MASQ -m mark --mark 0x4000/0x4000 -j MASQUERADE\nCOMMIT\n',
);

function node(): IptablesText {
  const t = new IptablesText();
  t.applyRestore('*filter\n:OWN - [0:0]\n-A OWN -d 10.244.0.0/16 -j ACCEPT\n-A FORWARD -j OWN\nCOMMIT\n');
  t.applyPrepared(SHARED, { share: true });
  return t;
}

/** The plain path: the node's rules as restore() leaves them after the patch. */
function plain(text: string): { save: string; errors: string[] } {
  const r = restore(text, restore(node().render()).ruleset, { noflush: true });
  return { save: printSave(r.ruleset), errors: r.errors.map(formatRestoreError) };
}

const saveOf = (t: IptablesText): string => printSave(restore(t.render()).ruleset);

describe('patchNodeRules', () => {
  it('deletes a rule by meaning, whatever its spelling, and by number', () => {
    const base = node();
    const r = patchNodeRules(base, '*filter\n-D SVC -s 10.0.0.1/32 -j SEP\n-D FORWARD 1\nCOMMIT\n');
    expect(r.errors).toEqual([]);
    const rules = r.rules.render();
    expect(rules).not.toContain('-A SVC -s 10.0.0.1');
    expect(rules).not.toContain('-A FORWARD -j OWN');
    expect(rules).toContain('-A SVC -j SEP\n');
    // The rules it kept are as they were written (the comment keeps its quotes, -s its missing /32 elsewhere).
    expect(rules).toContain('-A FORWARD -m comment --comment "service portals" -j SVC\n');
    expect(saveOf(r.rules)).toBe(plain('*filter\n-D SVC -s 10.0.0.1/32 -j SEP\n-D FORWARD 1\nCOMMIT\n').save);
  });

  it('flushes a table and deletes its user chains; -N, -P', () => {
    const r = patchNodeRules(node(), '*filter\n-F\n-X\n-N NEW\n-A NEW -j DROP\n-P FORWARD DROP\nCOMMIT\n');
    expect(r.errors).toEqual([]);
    expect(r.rules.render()).toContain('*filter\n:INPUT ACCEPT [0:0]\n:FORWARD DROP [0:0]\n:OUTPUT ACCEPT [0:0]\n:NEW - [0:0]\n-A NEW -j DROP\nCOMMIT\n');
    // The nat table is untouched.
    expect(r.rules.render()).toContain('-A MASQ -m mark --mark 0x4000/0x4000 -j MASQUERADE\n');
  });

  it('refuses what iptables-restore refuses, at its line, and leaves the rules as they were', () => {
    const base = node();
    const before = base.render();
    const r = patchNodeRules(base, '*filter\n-A FORWARD -s 10.0.0.1 -j ACCEPT\n-D FORWARD -s 10.0.0.9 -j ACCEPT\nCOMMIT\n');
    expect(r.errors.map(formatRestoreError)).toEqual(['line 3:1: Bad rule (does a matching rule exist in that chain?).']);
    expect(r.rules).toBe(base);
    expect(base.render()).toBe(before);
    expect(patchNodeRules(base, '*filter\n-X SEP\nCOMMIT\n').errors.map(formatRestoreError)).toEqual(['line 2:4: CHAIN_DEL failed (Device or resource busy): chain SEP']);
  });

  it('renames a chain of the shared layer (-E): the jumps to it follow; replaces a rule (-R)', () => {
    const base = node();
    const before = base.render();
    const r = patchNodeRules(base, '*filter\n-E SEP SEP-NEW\n-R SVC 1 -s 10.0.0.9 -j SEP\nCOMMIT\n');
    expect(r.errors).toEqual([]);
    const rules = r.rules.render();
    expect(rules).toContain(':SEP-NEW - [0:0]\n');
    expect(rules).not.toContain(':SEP ');
    // `-j SEP` of the -R line names the chain as the block knew it: renamed at COMMIT with the others.
    expect(rules).toContain('-A SEP-NEW -j ACCEPT\n-A SVC -s 10.0.0.9/32 -j SEP-NEW\n-A SVC -j SEP-NEW\n');
    expect(base.render()).toBe(before);
    expect(patchNodeRules(base, '*filter\n-E SEP SVC\nCOMMIT\n').errors.map(formatRestoreError)).toEqual(['line 2:4: File exists.']);
    expect(patchNodeRules(base, '*filter\n-R SVC 3 -j ACCEPT\nCOMMIT\n').errors.map(formatRestoreError)).toEqual(['line 2:1: Index of replacement too big.']);
    expect(patchNodeRules(base, '*filter\n-X OWN\nCOMMIT\n').errors.map(formatRestoreError)).toEqual(['line 2:4: CHAIN_DEL failed (Device or resource busy): chain OWN']);
  });

  it('applies a patch of :CHAIN, -A and -I lines as text, to the same rules (the shared layer kept where untouched)', () => {
    const base = node();
    const r = patchNodeRules(base, '*filter\n-I OWN 1 -s 10.0.0.7 -j DROP\nCOMMIT\n');
    expect(r.rules).toBe(base);
    // As written: the text model does not canonicalize (the World parses it).
    expect(base.render()).toContain('-A OWN -s 10.0.0.7 -j DROP\n-A OWN -d 10.244.0.0/16 -j ACCEPT\n');
  });
});

// Patches over the node's chains: the commands the text model takes, and the others, mixed.
const TEXT_LINES = [
  ':SVC - [0:0]', ':OWN - [0:0]', ':NEW - [0:0]', ':FORWARD DROP [0:0]', ':INPUT - [0:0]',
  '-A SVC -s 10.0.0.2 -j ACCEPT', '-A FORWARD -s 10.0.0.1 -j DROP', '-A NEW -j SEP', '-A FORWARD -j NEW', '-A OWN -j RETURN',
  '-I SVC -j RETURN', '-I FORWARD 2 -s 10.0.0.3 -j ACCEPT', '-I SEP 1 -j DROP', '-I OWN 3 -j ACCEPT', '-A NOPE -j RETURN',
];
const OTHER_LINES = [
  '-D SVC -s 10.0.0.1/32 -j SEP', '-D SVC 1', '-D FORWARD -s 10.0.0.1 -j DROP', '-D OWN -d 10.244.0.0/16 -j ACCEPT', '-F SVC',
  '-F', '-X NEW', '-X OWN', '-N NEW', '-P FORWARD DROP', '-Z', '-Z SVC', '--append SVC -j ACCEPT', '[1:2] -A OWN -j DROP',
  '-E OWN OWN2', '-E SEP SEP2', '-E NEW NEW2', '-R SVC 1 -s 10.0.0.4 -j ACCEPT', '-R FORWARD 1 -j SEP', '--rename-chain SVC SVC2',
];
const patchArb = (lines: readonly string[]): fc.Arbitrary<string> =>
  fc.tuple(fc.array(fc.constantFrom(...lines), { maxLength: 10 }), fc.boolean()).map(([ls, nat]) =>
    `*filter\n${ls.map((l) => `${l}\n`).join('')}COMMIT\n${nat ? '*nat\n-I MASQ -j RETURN\n:MASQ - [0:0]\n-A MASQ -j MASQUERADE\nCOMMIT\n' : ''}`);

describe('patchNodeRules: the same rules as restore()', () => {
  it('over random patches, with the text model and with the restore\'s save', () => {
    let asText = 0;
    let asSave = 0;
    fc.assert(
      fc.property(fc.oneof(patchArb(TEXT_LINES), patchArb([...TEXT_LINES, ...OTHER_LINES])), (text) => {
        const other = node();
        const otherBefore = other.render();
        const base = node();
        const want = plain(text);
        const r = patchNodeRules(base, text);
        expect(r.errors.map(formatRestoreError)).toEqual(want.errors);
        if (want.errors.length > 0) {
          expect(r.rules.render()).toBe(node().render());
          return;
        }
        if (r.rules === base) asText++;
        else asSave++;
        expect(saveOf(r.rules)).toBe(want.save);
        // Another node holding the same shared layer is not changed by this one's patch.
        expect(other.render()).toBe(otherBefore);
      }),
      { numRuns: 400, seed: 7 },
    );
    // Both paths were taken, many times.
    expect(asText).toBeGreaterThan(50);
    expect(asSave).toBeGreaterThan(50);
  });
});
