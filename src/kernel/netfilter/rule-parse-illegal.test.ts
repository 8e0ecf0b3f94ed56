// A command that takes no rule refuses rule options as iptables 1.8.9's generic_opt_check() does (measured with
// iptables-restore, nf_tables): the first in its order is named, `-g` as `-j`, and `-m` matches are ignored.

import { describe, expect, it } from 'vitest';
import { restore } from './restore-apply.js';
import { formatRestoreError } from './restore-parse.js';

const BASE = restore('*filter\n:A - [0:0]\n-A A -j ACCEPT\nCOMMIT\n').ruleset;
const errors = (line: string): string[] => restore(`*filter\n${line}\nCOMMIT\n`, BASE, { noflush: true }).errors.map(formatRestoreError);

describe('Illegal option with this command', () => {
  it.each([
    ['-N X -s 1.2.3.4', "line 2:6: Illegal option `-s' with this command"],
    ['-X A -j ACCEPT', "line 2:6: Illegal option `-j' with this command"],
    ['-F A -p tcp', "line 2:6: Illegal option `-p' with this command"],
    ['-D A 1 -j ACCEPT', "line 2:8: Illegal option `-j' with this command"],
    ['-D A 1 -s 1.1.1.1 -j ACCEPT', "line 2:8: Illegal option `-s' with this command"],
    ['-P INPUT DROP -s 1.1.1.1', "line 2:15: Illegal option `-s' with this command"],
    ['-E A C --jump ACCEPT', "line 2:8: Illegal option `-j' with this command"],
    ['-F A ! -s 1.1.1.1', "line 2:8: Illegal option `-s' with this command"],
    ['-X A -c 1 2', "line 2:6: Illegal option `-c' with this command"],
    ['-F A -i eth0 -o eth1', "line 2:6: Illegal option `-i' with this command"],
    ['-F A -o eth1 -i eth0', "line 2:14: Illegal option `-i' with this command"],
    ['-F A -f', "line 2:6: Illegal option `-f' with this command"],
    ['-F A -g A', "line 2:6: Illegal option `-j' with this command"],
  ])('%s', (line, message) => {
    expect(errors(line)).toEqual([message]);
  });

  it('ignores -m matches', () => {
    expect(errors('-F A -m tcp')).toEqual([]);
    const r = restore('*filter\n-N X -m comment --comment x\nCOMMIT\n', BASE, { noflush: true });
    expect(r.errors).toEqual([]);
    expect(r.ruleset.tables.get('filter')!.chains.has('X')).toBe(true);
  });
});
