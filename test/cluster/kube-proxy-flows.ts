// flows.json (kube-proxy's proxier tests as data) fed to our reconciler: its Services, EndpointSlices and
// proxier settings, its steps (syncProxyRules, deleteService, deleteEndpointSlice), each sync applied to a
// namespace's netfilter through our iptables-restore. Shared by the conformance test and the kernel test.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Ruleset } from '../../src/kernel/netfilter/index.js';
import { emptyRuleset } from '../../src/kernel/netfilter/index.js';
import type { EndpointSlice, ProxierConfig, Service, SyncPlan } from '../../src/cluster/kube-proxy/index.js';
import { IptablesProxier, applyHookJumps, applySync, defaultProxierConfig, natChainNames } from '../../src/cluster/kube-proxy/index.js';

export const KP_DIR = join(import.meta.dirname, '..', 'conformance', 'kube-proxy');

export interface Flow {
  name: string;
  sourceIP: string;
  protocol: 'tcp' | 'udp' | 'sctp';
  destIP: string;
  destPort: number;
  output: string;
  masq: boolean;
}

type Action = 'syncProxyRules' | { deleteService: string } | { deleteEndpointSlice: string };

export interface FlowsTest {
  test: string;
  subtest?: string;
  rulesFile?: string;
  expectedDumpFile?: string;
  proxier?: Record<string, unknown>;
  services?: Service[];
  endpointSlices?: EndpointSlice[];
  chainChecks?: Array<{ table: 'filter' | 'nat'; chain: string; rules: string[] }>;
  steps: Array<{ actions: Action[]; flows: Flow[] }>;
}

interface FlowsFile {
  defaults: { proxier: Record<string, unknown>; tracerNodeIPs: string[] };
  tests: FlowsTest[];
}

export const flowsFile = JSON.parse(readFileSync(join(KP_DIR, 'flows.json'), 'utf8')) as FlowsFile;

export function testName(t: FlowsTest): string {
  return t.subtest ? `${t.test} / ${t.subtest}` : t.test;
}

/** The proxier settings of a test: flows.json's defaults with the test's overrides. */
export function proxierConfigOf(t: FlowsTest): ProxierConfig {
  const p = { ...flowsFile.defaults.proxier, ...(t.proxier ?? {}) } as Record<string, unknown>;
  const nfacct = p.nfacctCounters as Record<string, boolean>;
  const mark = Number.parseInt(String(p.masqueradeMark), 16);
  // NewFakeProxier() sets the mark text itself ("0x4000"), where kube-proxy would write 0x00004000.
  return defaultProxierConfig({
    family: p.family as ProxierConfig['family'],
    nodeName: String(p.nodeName),
    nodeIP: String(p.nodeIP),
    interfaces: p.interfaces as Record<string, string[]>,
    localDetector: p.localDetector === 'cidr' ? { kind: 'cidr', cidr: String(p.podCIDR) } : { kind: 'none' },
    masqueradeBit: Math.log2(mark),
    masqueradeMark: String(p.masqueradeMark),
    masqueradeAll: p.masqueradeAll === true,
    localhostNodePorts: p.localhostNodePorts === true,
    nodePortAddresses: (p.nodePortAddresses as string[] | null) ?? null,
    conntrackTCPLiberal: p.conntrackTCPLiberal === true,
    hasRandomFully: p.hasRandomFully === true,
    nfacctCounters: { ct_state_invalid_dropped_pkts: nfacct.ct_state_invalid_dropped_pkts === true, localhost_nps_accepted_pkts: nfacct.localhost_nps_accepted_pkts === true },
  });
}

export interface StepResult {
  /** The sync plans of the step's syncProxyRules actions. */
  plans: SyncPlan[];
  /** The namespace's rules after the step. */
  ruleset: Ruleset;
  errors: string[];
}

export interface RunOptions {
  /** The namespace's rules before kube-proxy's first sync (default none). */
  base?: Ruleset;
  /** Load each sync into `base` through our iptables-restore (default true). */
  apply?: boolean;
  /** Overrides of the test's proxier settings. */
  config?: Partial<ProxierConfig>;
}

/**
 * Runs every step of `t`, starting from a namespace with no rules (or `base`). With `apply` false nothing is
 * loaded (IPv6: our rule engine is IPv4's iptables); the kernel's nat chains are then followed from the texts.
 */
export function runTest(t: FlowsTest, opts: RunOptions = {}): { config: ProxierConfig; steps: StepResult[] } {
  const apply = opts.apply ?? true;
  const config = { ...proxierConfigOf(t), ...(opts.config ?? {}) };
  const proxier = new IptablesProxier(config);
  const services = new Map<string, Service>();
  const slices = new Map<string, EndpointSlice>();
  for (const s of t.services ?? []) {
    services.set(`${s.namespace}/${s.name}`, s);
    proxier.onServiceAdd(s);
  }
  for (const s of t.endpointSlices ?? []) {
    slices.set(`${s.namespace}/${s.name}`, s);
    proxier.onEndpointSliceAdd(s);
  }
  let rs = opts.base ?? emptyRuleset();
  let now = 0;
  const natChains = new Set<string>();
  const steps: StepResult[] = [];
  for (const step of t.steps) {
    const res: StepResult = { plans: [], ruleset: rs, errors: [] };
    for (const a of step.actions) {
      if (a === 'syncProxyRules') {
        const plan = proxier.sync({ now, existingNatChains: apply ? natChainNames(rs) : [...natChains] });
        now += 1;
        res.plans.push(plan);
        if (!apply) {
          for (const m of plan.text.slice(plan.text.indexOf('*nat')).matchAll(/^:(\S+)/gm)) natChains.add(m[1]);
          for (const c of plan.deletedChains) natChains.delete(c);
          continue;
        }
        if (plan.full) {
          const h = applyHookJumps(rs, plan.hookJumps);
          rs = h.ruleset;
          res.errors.push(...h.errors.map((e) => `hook jumps: line ${e.line}: ${e.message}`));
        }
        const r = applySync(rs, plan.text);
        if (r.errors.length) {
          proxier.syncFailed();
          res.errors.push(...r.errors.map((e) => `restore: line ${e.line}: ${e.message} (${plan.text.split('\n')[e.line - 1]})`));
        }
        rs = r.ruleset;
      } else if ('deleteService' in a) {
        const s = services.get(a.deleteService);
        if (!s) throw new Error(`no Service ${a.deleteService}`);
        services.delete(a.deleteService);
        proxier.onServiceDelete(s);
      } else {
        const s = slices.get(a.deleteEndpointSlice);
        if (!s) throw new Error(`no EndpointSlice ${a.deleteEndpointSlice}`);
        slices.delete(a.deleteEndpointSlice);
        proxier.onEndpointSliceDelete(s);
      }
    }
    res.ruleset = rs;
    steps.push(res);
  }
  return { config, steps };
}

/** The rules of `chain` in `table` of a restore text, as written (assertIPTablesChainEqual()). */
export function chainRules(text: string, table: string, chain: string): string[] {
  const out: string[] = [];
  let cur = '';
  for (const line of text.split('\n')) {
    if (line.startsWith('*')) cur = line.slice(1);
    else if (cur === table && line.startsWith(`-A ${chain} `)) out.push(line);
  }
  return out;
}

/**
 * What an IPv6 node's ip6tables hold after `plans` (every sync so far, in order), as ip6tables-restore
 * --noflush input: before each full sync the canary chains and the hook jumps, put in the way applyHookJumps()
 * puts them for IPv4 (EnsureChain(), EnsureRule(Prepend) unless present), then the sync's own text.
 */
export function ip6RestoreText(plans: readonly SyncPlan[]): string {
  const have = new Set<string>();
  const out: string[] = [];
  for (const plan of plans) {
    if (plan.full) {
      for (const table of ['mangle', 'nat', 'filter'] as const) {
        out.push(`*${table}`, ':KUBE-PROXY-CANARY - [0:0]');
        for (const j of plan.hookJumps.filter((x) => x.table === table)) {
          if (!have.has(`${table} ${j.target}`)) out.push(`:${j.target} - [0:0]`);
          have.add(`${table} ${j.target}`);
        }
        for (const j of plan.hookJumps.filter((x) => x.table === table)) {
          const key = `${table} ${j.chain} ${j.spec}`;
          if (have.has(key)) continue;
          have.add(key);
          out.push(`-I ${j.chain} 1 ${j.spec}`);
        }
        out.push('COMMIT');
      }
    }
    out.push(plan.text.trimEnd());
  }
  return `${out.join('\n')}\n`;
}
