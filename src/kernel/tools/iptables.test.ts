// `iptables` and `iptables-restore` commands on a live ruleset, with the messages measured with iptables 1.8.9
// (nf_tables) in real namespaces.
import { describe, expect, it } from 'vitest';
import { printSave } from '../netfilter/save-print.js';
import type { IpPacket } from '../../packet/frame.js';
import { applyIptablesRestore, parseCommand } from './index.js';
import { parseError, run, toolNetns } from './testing.js';

const save = (n: ReturnType<typeof toolNetns>): string => (n.nf ? printSave(n.nf.ruleset) : '');

describe('iptables', () => {
  it('creates the netfilter state of a namespace that had no rules, and the table with its built-in chains', () => {
    const n = toolNetns();
    expect(n.nf).toBeNull();
    expect(run(n, 'iptables -A FORWARD -j DROP')).toEqual([]);
    expect(n.netfilter).not.toBeNull();
    expect(save(n)).toBe('*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n-A FORWARD -j DROP\nCOMMIT\n');
  });

  it('-I, -R, -D by number and by rule spec, with the tool\'s messages', () => {
    const n = toolNetns();
    run(n, 'iptables -A FORWARD -j DROP');
    expect(run(n, 'iptables -I FORWARD 1 -p tcp --dport 80 -j ACCEPT')).toEqual([]);
    expect(run(n, 'iptables -I FORWARD 5 -j ACCEPT')).toEqual(['iptables: Index of insertion too big.']);
    expect(run(n, 'iptables -R FORWARD 2 -j REJECT')).toEqual([]);
    expect(run(n, 'iptables -R FORWARD 4 -j ACCEPT')).toEqual(['iptables: Index of replacement too big.']);
    expect(run(n, 'iptables -D FORWARD -j ACCEPT')).toEqual(['iptables: Bad rule (does a matching rule exist in that chain?).']);
    expect(run(n, 'iptables -D FORWARD 3')).toEqual(['iptables: Index of deletion too big.']);
    expect(save(n)).toContain('-A FORWARD -p tcp -m tcp --dport 80 -j ACCEPT\n-A FORWARD -j REJECT --reject-with icmp-port-unreachable\n');
    expect(n.nf!.ruleset.tables.get('filter')!.chains.get('FORWARD')!.rules[1].source).toEqual(['-j', 'REJECT']);
    expect(run(n, 'iptables -D FORWARD -p tcp --dport 80 -j ACCEPT')).toEqual([]);
    expect(run(n, 'iptables -D FORWARD 1')).toEqual([]);
    expect(save(n)).not.toContain('-A FORWARD');
  });

  it('user chains: -N, a jump, -X of a referenced chain is busy, -F, -X', () => {
    const n = toolNetns();
    expect(run(n, 'iptables -N FOO')).toEqual([]);
    expect(run(n, 'iptables -N FOO')).toEqual(['iptables: Chain already exists.']);
    expect(run(n, 'iptables -A FORWARD -j FOO')).toEqual([]);
    expect(run(n, 'iptables -X FOO')).toEqual(['iptables v1.8.9 (nf_tables):  CHAIN_DEL failed (Device or resource busy): chain FOO']);
    expect(run(n, 'iptables -A FORWARD -j BAR')[0]).toBe("iptables v1.8.9 (nf_tables): Chain 'BAR' does not exist");
    expect(run(n, 'iptables -F FORWARD')).toEqual([]);
    expect(run(n, 'iptables -X FOO')).toEqual([]);
    expect(run(n, 'iptables -X BAR')).toEqual(['iptables: No chain/target/match by that name.']);
    run(n, 'iptables -N BAZ');
    expect(run(n, 'iptables -P BAZ DROP')).toEqual(['iptables: Bad built-in chain name.']);
    expect(run(n, 'iptables -t nat -A POSTROUTING -o eth1 -j MASQUERADE')).toEqual([]);
    expect(n.nf!.ctActive).toBe(true);
  });

  it('-E renames a user chain and the jumps to it; -R, -E and -X refusals as iptables 1.8.9 words them', () => {
    const n = toolNetns();
    for (const c of ['iptables -N A', 'iptables -N B', 'iptables -A A -j ACCEPT', 'iptables -A INPUT -j A']) expect(run(n, c)).toEqual([]);
    expect(run(n, 'iptables -X A')).toEqual(['iptables v1.8.9 (nf_tables):  CHAIN_DEL failed (Device or resource busy): chain A']);
    expect(run(n, 'iptables -E A B')).toEqual(['iptables: File exists.']);
    expect(run(n, 'iptables -E X C')).toEqual(['iptables: No chain/target/match by that name.']);
    expect(run(n, 'iptables -E A C')).toEqual([]);
    expect(save(n)).toContain(':B - [0:0]\n:C - [0:0]\n-A INPUT -j C\n-A C -j ACCEPT\n');
    expect(run(n, 'iptables -R C 2 -j DROP')).toEqual(['iptables: Index of replacement too big.']);
    expect(run(n, 'iptables -R X 1 -j DROP')).toEqual(['iptables: No chain/target/match by that name.']);
    expect(run(n, 'iptables -R C 1 -s 1.1.1.1 -j DROP')).toEqual([]);
    expect(save(n)).toContain('-A C -s 1.1.1.1/32 -j DROP\n');
    expect(parseError('iptables -E A')).toBe('10: -E requires old-chain-name and new-chain-name');
    expect(parseError('iptables -R C -j DROP')).toBe('10: -R requires a rule number');
    expect(parseError('iptables -R C 0 -j DROP')).toBe("15: Invalid rule number `0'");
    expect(parseError('iptables -R C 1 -s 1.1.1.1,2.2.2.2 -j DROP')).toBe('20: Replacement rule does not specify a unique address');
  });

  it('iptables-restore prints a batch the kernel refused at COMMIT as iptables-restore 1.8.9 does', () => {
    const n = toolNetns();
    expect(run(n, 'iptables-restore', 0, '*filter\n-N P\n-A P -j ACCEPT\n-X P\nCOMMIT\n'))
      .toEqual(['iptables-restore v1.8.9 (nf_tables): ', 'line 4: CHAIN_DEL failed (Device or resource busy): chain P']);
    expect(run(n, 'iptables-restore', 0, '*filter\n:A - [0:0]\n-E A C\nCOMMIT\n'))
      .toEqual(['iptables-restore v1.8.9 (nf_tables): ', 'line 3: CHAIN_RENAME failed (No such file or directory): chain C']);
  });

  it('iptables-restore names the COMMIT line for a jump to a missing chain, unless an earlier line fails first', () => {
    const n = toolNetns();
    // Straight to the tool: the command's own parse already refuses a jump it cannot resolve (parseIptablesRestore()).
    const restoreText = (ns: typeof n, stdin: string): string[] => applyIptablesRestore(ns, { tool: 'iptables-restore', text: 'iptables-restore', stdin, noflush: false, counters: false });
    const missing = (line: number): string[] => ["iptables-restore v1.8.9 (nf_tables): Chain 'NOPE' does not exist", `Error occurred at line: ${line}`,
      "Try `iptables-restore -h' or 'iptables-restore --help' for more information."];
    expect(restoreText(n, '*filter\n-A INPUT -j NOPE\n-A INPUT -j ACCEPT\nCOMMIT\n')).toEqual(missing(4));
    expect(restoreText(n, '*filter\n-A INPUT -j NOPE\n:NOPE - [0:0]\nCOMMIT\n')).toEqual(missing(4));
    expect(restoreText(n, '*filter\n-A INPUT -j NOPE\n-A INPUT --bogus\nCOMMIT\n')[0]).toBe('iptables-restore v1.8.9 (nf_tables): unknown option "--bogus"');
    expect(restoreText(n, '*filter\n-A NOCHAIN -j ACCEPT\n-A INPUT -j NOPE\nCOMMIT\n')).toEqual(['iptables-restore: line 2 failed: No chain/target/match by that name.']);
    expect(restoreText(n, '*filter\n-A INPUT -j NOPE\n')).toEqual(['iptables-restore: COMMIT expected at line 3']);
    expect(n.nf === null || !save(n).includes('-A INPUT')).toBe(true);
  });

  it('keeps the chain index valid after a change', () => {
    const n = toolNetns();
    const rules = Array.from({ length: 20 }, (_, i) => `-A FORWARD -d 10.9.0.${i} -j ACCEPT`).join('\n');
    run(n, 'iptables-restore', 0, `*filter\n${rules}\nCOMMIT\n`);
    run(n, 'iptables -I FORWARD -d 10.9.0.5 -j DROP');
    const pkt = { ip: { dst: 0x0a090005, protocol: 17, fragOffset: 0 }, l4: { proto: 'udp', udp: { dport: 53 } } } as unknown as IpPacket;
    const idx = n.nf!.index.chain('filter', 'FORWARD')!;
    expect(idx.candidates(pkt)).toEqual([0, 6]);
  });

  it('iptables-restore --noflush keeps other chains; without it the table is replaced', () => {
    const n = toolNetns();
    run(n, 'iptables -A INPUT -j ACCEPT');
    expect(run(n, 'iptables-restore --noflush', 0, '*filter\n-A FORWARD -j DROP\nCOMMIT\n')).toEqual([]);
    expect(save(n)).toContain('-A INPUT -j ACCEPT\n-A FORWARD -j DROP\n');
    expect(run(n, 'iptables-restore', 0, '*filter\n-A OUTPUT -j DROP\nCOMMIT\n')).toEqual([]);
    expect(save(n)).not.toContain('-A INPUT');
  });

  it('locates parse errors in the command and in the input', () => {
    expect(parseError('iptables -A FORWARD -p tcp --dport 99999 -j ACCEPT')).toBe("28: invalid port/service `99999' specified");
    expect(parseError('iptables -t bogus -F')).toBe("13: table 'bogus' does not exist (raw, mangle, nat, filter, security)");
    expect(parseError('iptables -A FORWARD --bogus')).toBe('21: unknown option "--bogus"');
    expect(parseCommand('iptables-restore', '*filter\n-A FORWARD -j DROOP\nCOMMIT\n')).toEqual({
      ok: false, errors: [{ line: 2, column: 15, message: "stdin line 2: Chain 'DROOP' does not exist" }],
    });
    expect(parseCommand('iptables-restore --noflush', '*filter\n-A FORWARD -j KUBE-X\nCOMMIT\n').ok).toBe(true);
    const p = parseError('iptables-restore --noflush --bogus', '');
    expect(p).toBe('28: unknown option "--bogus" (modelled: --noflush, --counters)');
  });
});
