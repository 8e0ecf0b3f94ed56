// The kube-proxy conformance dumps: the script prints back byte for byte, and the ruleset they load prints
// exactly what the real iptables-save 1.8.9 (nf_tables) printed after loading the same file in a network
// namespace (golden/*.golden, produced with `ip netns exec NS iptables-restore` / `iptables-save`; the real
// tool needs the nfacct objects to exist and rejects FakeIPTables' unquoted comments, so those goldens were
// made from the file without nfacct matches / with the comments quoted).

import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseRestore, printRestore, printSave, restore } from '../../src/kernel/netfilter/index.js';

const DIR = join(import.meta.dirname, '..', 'conformance', 'kube-proxy');
const GOLDEN = join(import.meta.dirname, 'golden');
const files = readdirSync(DIR).filter((f) => f.endsWith('.iptables-save') || f.endsWith('.iptables-restore'));
const lenient = (f: string) => f.endsWith('.iptables-restore');

describe('kube-proxy conformance files', () => {
  it('finds the files', () => expect(files.length).toBeGreaterThanOrEqual(4));

  for (const f of files) {
    const text = readFileSync(join(DIR, f), 'utf8');

    it(`${f}: print(parse(file)) == file`, () => {
      const { script, errors } = parseRestore(text, undefined, { lenientComments: lenient(f) });
      expect(errors).toEqual([]);
      expect(printRestore(script)).toBe(text);
    });

    it(`${f}: loads without errors and keeps each rule's source words`, () => {
      const { ruleset, errors } = restore(text, undefined, { lenientComments: lenient(f) });
      expect(errors).toEqual([]);
      const srcRules = text.split('\n').filter((l) => l.startsWith('-A ')).sort();
      const printed = printSave(ruleset, { ruleText: 'source' }).split('\n').filter((l) => l.startsWith('-A ')).sort();
      expect(printed).toEqual(srcRules);
    });

    it(`${f}: iptables-save form equals the real tool's`, () => {
      const noNfacct = f.endsWith('.iptables-save');
      const input = noNfacct ? text.replace(/ -m nfacct --nfacct-name [a-z_]+/g, '') : text;
      const golden = readFileSync(join(GOLDEN, noNfacct ? `${f}.no-nfacct.golden` : `${f}.golden`), 'utf8');
      const { ruleset, errors } = restore(input, undefined, { lenientComments: lenient(f) });
      expect(errors).toEqual([]);
      expect(printSave(ruleset)).toBe(golden);
    });

    it(`${f}: the save form is a fixed point`, () => {
      const once = printSave(restore(text, undefined, { lenientComments: lenient(f) }).ruleset);
      const twice = printSave(restore(once).ruleset);
      expect(twice).toBe(once);
    });
  }
});
