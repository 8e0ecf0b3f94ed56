// Kernel agreement for the kube-proxy reconciler: for every proxier test in flows.json, the hook jumps and then
// every sync's text (src/cluster/kube-proxy) are loaded with the real `iptables-restore --noflush --counters`
// (ip6tables-restore for the IPv6 tests) in a scratch namespace that already holds a node's other rules
// (flannel's and the CNI portmap's). Every load must succeed; for IPv4, the kernel's iptables-save afterwards
// must equal our printSave() of the same steps applied through our restore (so --noflush semantics, stale
// chain deletion and the surviving foreign rules agree). The nfacct objects the rules name are created with
// `nfacct add`; without the tool the rules are rendered without nfacct counters, as kube-proxy does when it
// cannot create them. Needs root, iproute2 and iptables 1.8 (nf_tables); without them the suite is skipped with
// the reason, or fails when PACKETWALK_KERNEL=required.
//
// Safety: each test gets its own namespace `pwkp<pid>-<N>`, created before and deleted right after (also on
// failure); nothing runs in the root namespace but `ip netns add/del/list/pids` and `--version` probes.

import { afterAll, describe, expect, it } from 'vitest';
import { emptyRuleset, printSave, restore } from '../../src/kernel/netfilter/index.js';
import type { HookJump, ProxierConfig } from '../../src/cluster/kube-proxy/index.js';
import { CANARY_TABLES, KUBE_PROXY_CANARY } from '../../src/cluster/kube-proxy/index.js';
import { traceIp6tablesSave } from '../../src/trace/ip6tables-save-trace.js';
import { flowsFile, proxierConfigOf, runTest, testName } from '../cluster/kube-proxy-flows.js';
import type { FlowsTest } from '../cluster/kube-proxy-flows.js';
import { deleteNamespace, kernelUnavailable, removeStaleNamespaces, run, runWithInput, stripSaveComments } from './iptables-gen/kernel-iptables.js';

const REQUIRED = process.env.PACKETWALK_KERNEL === 'required';
const STEM = 'pwkp';
const PREFIX = `${STEM}${process.pid}-`;
const TIMEOUT_MS = 10_000;

/** A node's rules that are not kube-proxy's: flannel's masquerade and forward rules, the CNI portmap's DNAT. */
export const NODE_RULES = [
  '*filter',
  ':FLANNEL-FWD - [0:0]',
  '-A FORWARD -m comment --comment "flanneld forward" -j FLANNEL-FWD',
  '-A FLANNEL-FWD -s 10.244.0.0/16 -m comment --comment "flanneld forward" -j ACCEPT',
  '-A FLANNEL-FWD -d 10.244.0.0/16 -m comment --comment "flanneld forward" -j ACCEPT',
  'COMMIT',
  '*nat',
  ':CNI-HOSTPORT-DNAT - [0:0]',
  ':FLANNEL-POSTRTG - [0:0]',
  '-A PREROUTING -m addrtype --dst-type LOCAL -j CNI-HOSTPORT-DNAT',
  '-A POSTROUTING -m comment --comment "flanneld masq" -j FLANNEL-POSTRTG',
  '-A CNI-HOSTPORT-DNAT -p tcp -m tcp --dport 8080 -j DNAT --to-destination 10.244.0.5:80',
  '-A FLANNEL-POSTRTG -s 10.244.0.0/16 -d 10.244.0.0/16 -m comment --comment "flanneld masq" -j RETURN',
  '-A FLANNEL-POSTRTG -s 10.244.0.0/16 ! -d 224.0.0.0/4 -m comment --comment "flanneld masq" -j MASQUERADE --random-fully',
  'COMMIT',
  '',
].join('\n');

/** The hook jumps as a fresh namespace gets them: EnsureChain() for each chain, then each rule prepended. */
function hookJumpRestore(jumps: readonly HookJump[]): string {
  const out: string[] = [];
  for (const table of ['mangle', 'filter', 'nat']) {
    out.push(`*${table}`);
    const chains = new Set<string>();
    if ((CANARY_TABLES as readonly string[]).includes(table)) chains.add(KUBE_PROXY_CANARY);
    for (const j of jumps) if (j.table === table) chains.add(j.target);
    for (const c of chains) out.push(`:${c} - [0:0]`);
    for (const j of jumps) if (j.table === table) out.push(`-I ${j.chain} 1 ${j.spec}`);
    out.push('COMMIT');
  }
  return `${out.join('\n')}\n`;
}

/** iptables-save prints `--nfacct-name  NAME` (two spaces: libxt_nfacct's save adds one). */
const normalize = (save: string): string => stripSaveComments(save).replace(/--nfacct-name {2}/g, '--nfacct-name ');

const unavailable = kernelUnavailable(`${PREFIX}probe`);
if (unavailable !== undefined) console.warn(`kube-proxy kernel restore test ${REQUIRED ? 'cannot run' : 'skipped'}: ${unavailable}`);

if (REQUIRED && unavailable !== undefined) {
  describe('kube-proxy kernel restore test (PACKETWALK_KERNEL=required)', () => {
    it('has a kernel to test against', () => {
      expect.fail(`PACKETWALK_KERNEL=required but the kernel cannot be used: ${unavailable}`);
    });
  });
}

const suiteName = `kube-proxy's rendered rules load in the real iptables-restore${unavailable !== undefined ? ` (skipped: ${unavailable})` : ''}`;

describe.skipIf(unavailable !== undefined)(suiteName, () => {
  const hasNfacct = unavailable === undefined && !run('nfacct', ['version'], 5000).missing;
  if (unavailable === undefined && !hasNfacct) console.warn('kube-proxy kernel restore test: no nfacct tool, rules rendered without nfacct counters');
  const loads = { syncs: 0, ok: 0, saves: 0, savesOk: 0, ip6Flows: 0 };
  removeStaleNamespaces(STEM);

  afterAll(() => {
    console.log(`kube-proxy kernel restore: ${loads.ok}/${loads.syncs} syncs loaded, ${loads.savesOk}/${loads.saves} iptables-save equal to ours, ${loads.ip6Flows} IPv6 flows traced through the kernel's ip6tables-save (nfacct ${hasNfacct ? 'objects created' : 'counters off'})`);
  });

  const cases: Array<{ name: string; t: FlowsTest; over: Partial<ProxierConfig> }> = flowsFile.tests
    .filter((t) => t.rulesFile === undefined)
    .map((t) => ({ name: testName(t), t, over: {} }));
  // The mark as real kube-proxy writes it (%#08x: 0x00004000), not as NewFakeProxier() sets it.
  const overall = flowsFile.tests.find((t) => t.test === 'TestOverallIPTablesRules')!;
  cases.push({ name: 'TestOverallIPTablesRules with kube-proxy\'s own mark text 0x00004000', t: overall, over: { masqueradeMark: undefined } });

  cases.forEach(({ name, t, over }, i) => {
    it(name, async () => {
      const ipv6 = proxierConfigOf(t).family === 'IPv6';
      const tool = ipv6 ? 'ip6tables' : 'iptables';
      const config: Partial<ProxierConfig> = { ...over, ...(hasNfacct ? {} : { nfacctCounters: { ct_state_invalid_dropped_pkts: false, localhost_nps_accepted_pkts: false } }) };
      const base = ipv6 ? emptyRuleset() : restore(NODE_RULES).ruleset;
      const res = runTest(t, { base, apply: !ipv6, config });
      expect(res.steps.flatMap((s) => s.errors)).toEqual([]);
      const ns = `${PREFIX}${i}`;
      const add = run('ip', ['netns', 'add', ns], 5000);
      expect(add.code, add.err).toBe(0);
      try {
        const exec = (cmd: string, args: string[], input = ''): ReturnType<typeof runWithInput> => runWithInput('ip', ['netns', 'exec', ns, cmd, ...args], input, TIMEOUT_MS);
        if (hasNfacct) {
          for (const name of ['ct_state_invalid_dropped_pkts', 'localhost_nps_accepted_pkts']) {
            const r = await exec('nfacct', ['add', name]);
            expect(r.code, r.err).toBe(0);
          }
        }
        if (!ipv6) {
          const r = await exec('iptables-restore', [], NODE_RULES);
          expect(r.code, r.err).toBe(0);
        }
        let first = true;
        for (const step of res.steps) {
          for (const plan of step.plans) {
            if (plan.full && first) {
              const h = await exec(`${tool}-restore`, ['--noflush'], hookJumpRestore(plan.hookJumps));
              expect(h.code, h.err).toBe(0);
            }
            first = false;
            loads.syncs++;
            const r = await exec(`${tool}-restore`, ['--noflush', '--counters'], plan.text);
            expect(r.code, `${r.err}\n${plan.text}`).toBe(0);
            loads.ok++;
          }
        }
        if (!ipv6 && res.steps.every((s) => s.errors.length === 0)) {
          loads.saves++;
          const s = await exec('iptables-save', []);
          expect(s.code, s.err).toBe(0);
          expect(normalize(printSave(res.steps[res.steps.length - 1].ruleset))).toBe(normalize(s.out));
          loads.savesOk++;
        }
        if (ipv6) {
          // The kernel's own ip6tables-save, read by the IPv6 rule walk: every flow of the last step gives
          // upstream's answer through the dump exactly as the real tool prints it.
          const s = await exec('ip6tables-save', []);
          expect(s.code, s.err).toBe(0);
          for (const f of t.steps[t.steps.length - 1].flows) {
            const r = traceIp6tablesSave(s.out, { src: f.sourceIP, dst: f.destIP, dport: f.destPort, proto: f.protocol, nodeIPs: flowsFile.defaults.tracerNodeIPs });
            expect(r.errors).toEqual([]);
            expect({ flow: f.name, output: r.output, masq: r.masquerade }).toEqual({ flow: f.name, output: f.output, masq: f.masq });
            loads.ip6Flows++;
          }
        }
      } finally {
        deleteNamespace(ns);
      }
    });
  });
});
