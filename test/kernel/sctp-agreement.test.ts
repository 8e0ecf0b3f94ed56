// Kernel agreement for SCTP rules: each rule below (an SCTP DNAT as kube-proxy writes it, port forms, and the
// mistakes) is loaded with the real `iptables-restore` in a scratch namespace and read back with `iptables-save`;
// our restore must accept and print exactly what the kernel keeps, and refuse what it refuses. Needs root,
// iproute2, iptables 1.8 (nf_tables) and the kernel's xt_sctp (`modprobe xt_sctp` where it is a module): without
// them the suite is skipped with the reason, or fails when PACKETWALK_KERNEL=required.
//
// Safety: each rule gets its own namespace `pwsctp<pid>-<N>`, created and deleted by kernelRestore() (also on
// failure); nothing runs in the root namespace but `ip netns add/del` and `--version` probes.

import { describe, expect, it } from 'vitest';
import { printSave, restore } from '../../src/kernel/netfilter/index.js';
import { kernelRestore, kernelUnavailable, removeStaleNamespaces } from './iptables-gen/kernel-iptables.js';

const REQUIRED = process.env.PACKETWALK_KERNEL === 'required';
const STEM = 'pwsctp';
const PREFIX = `${STEM}${process.pid}-`;
const TIMEOUT_MS = 10_000;

const dump = (rules: readonly string[]): string =>
  ['*nat', ':PREROUTING ACCEPT [0:0]', ':INPUT ACCEPT [0:0]', ':OUTPUT ACCEPT [0:0]', ':POSTROUTING ACCEPT [0:0]', ':KUBE-SEP-X - [0:0]', ...rules, 'COMMIT', ''].join('\n');

const CASES: ReadonlyArray<readonly string[]> = [
  ['-A PREROUTING -d 172.30.0.42/32 -p sctp -m sctp --dport 53 -j KUBE-SEP-X', '-A KUBE-SEP-X -p sctp -m comment --comment "ns1/svc1:p53" -m sctp -j DNAT --to-destination 10.180.0.1:53'],
  ['-A PREROUTING -p sctp -m sctp --sport 0:65535 -j ACCEPT'],
  ['-A PREROUTING -p sctp -m sctp ! --dport 5: -j ACCEPT'],
  ['-A PREROUTING -p sctp -m sctp --dport :7 --sport 40000 -j ACCEPT'],
  ['-A PREROUTING -p sctp --dport 54 -j DNAT --to-destination 10.180.0.2:5353'],
  ['-A PREROUTING -p sctp -m sctp --dport 20:10 -j ACCEPT'],
  ['-A PREROUTING -p sctp -m sctp --dport domain -j ACCEPT'],
  ['-A PREROUTING -p tcp -m sctp --dport 5 -j ACCEPT'],
  ['-A PREROUTING ! -p sctp -m sctp --dport 5 -j ACCEPT'],
];

/** Why the kernel cannot load an SCTP rule here, or undefined when it can. */
async function sctpUnavailable(): Promise<string | undefined> {
  const base = kernelUnavailable(`${PREFIX}probe`);
  if (base !== undefined) return base;
  const v = await kernelRestore(`${PREFIX}sctp`, dump(['-A PREROUTING -p sctp -m sctp --dport 1 -j ACCEPT']), TIMEOUT_MS);
  return v.accepted ? undefined : `the kernel refuses -m sctp (xt_sctp not built in or loadable: try modprobe xt_sctp): ${v.stderr}`;
}

removeStaleNamespaces(STEM);
const unavailable = await sctpUnavailable();
if (unavailable !== undefined) console.warn(`SCTP kernel agreement ${REQUIRED ? 'cannot run' : 'skipped'}: ${unavailable}`);

describe.skipIf(unavailable !== undefined && !REQUIRED)(`SCTP rules: our restore and iptables-save agree with the kernel${unavailable !== undefined ? ` (skipped: ${unavailable})` : ''}`, () => {
  it.each(CASES.map((rules, i) => [rules.join(' ; '), i] as const))('%s', async (_, i) => {
    expect(unavailable).toBeUndefined();
    const input = dump(CASES[i]);
    const kernel = await kernelRestore(`${PREFIX}${i}`, input, TIMEOUT_MS);
    const ours = restore(input);
    expect(ours.errors.length === 0, `${kernel.stderr} / ${ours.errors.map((e) => e.message).join('; ')}`).toBe(kernel.accepted);
    if (kernel.accepted) expect(printSave(ours.ruleset).trim()).toBe(kernel.save.trim());
  });
});
