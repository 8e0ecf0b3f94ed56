// Linux: the IPv4 netfilter hooks as nf_hook_slow() runs them: for each hook, the registered functions in
// priority order (raw -300, conntrack -200, mangle -150, nat DNAT -100, filter 0, security 50, nat SNAT 100,
// conntrack confirm INT_MAX). Tables come from iptables-restore text; conntrack and NAT from conntrack/.

import type { Skb } from '../../packet/skb.js';
import { skbEndpoints } from '../../packet/describe.js';
import type { CtResolution } from '../conntrack/index.js';
import { ConntrackTable, natHook, natRequestOf } from '../conntrack/index.js';
import type { NatHookName } from '../conntrack/index.js';
import { RT_SCOPE_UNIVERSE } from '../link/device.js';
import type { Netns } from '../netns/netns.js';
import { inetSelectAddr } from '../route/source-select.js';
import { report } from '../report.js';
import type { AddrType, MatchState } from './context.js';
import { HookPacketContext } from './hook-packet-context.js';
import type { NsServices } from './hook-packet-context.js';
import { evaluateEmptyBaseChain, evaluateTableChain } from './evaluate.js';
import type { EvalOptions, EvalResult, JumpTargets } from './evaluate.js';
import type { NetfilterEngine, NfContext, NfHook, NfVerdict } from './hooks.js';
import { indexRuleset } from './index-chain.js';
import type { RulesetIndex } from './index-chain.js';
import type { WalkChoice, WalkLeaf } from './walk-memo.js';
import { ruleText } from './rule-print.js';
import type { Chain, Ruleset, Table, TableName } from './ruleset.js';

/** What rides on an skb between hooks of one namespace: its conntrack resolution (skb->_nfct). */
export interface SkbConntrack {
  res: CtResolution | null;
  untracked: boolean;
  /** The namespace whose table it belongs to: crossing into another namespace scrubs it. */
  netns: string;
}

type Step = TableName | 'conntrack' | 'confirm';

/** The functions each hook runs, in priority order (include/uapi/linux/netfilter_ipv4.h NF_IP_PRI_*). */
const HOOK_STEPS: Readonly<Record<NfHook, readonly Step[]>> = {
  PREROUTING: ['raw', 'conntrack', 'mangle', 'nat'],
  INPUT: ['mangle', 'filter', 'security', 'nat', 'confirm'],
  FORWARD: ['mangle', 'filter', 'security'],
  OUTPUT: ['raw', 'conntrack', 'mangle', 'nat', 'filter', 'security'],
  POSTROUTING: ['mangle', 'nat', 'confirm'],
};

/** One namespace's netfilter: its tables, their indexes, conntrack, and the state of stateful matches. */
export interface NetfilterState {
  ruleset: Ruleset;
  index: RulesetIndex;
  conntrack: ConntrackTable;
  /** Conntrack runs only while some table needs it: a nat table, or a rule that reads connection state. */
  ctActive: boolean;
  matchState: MatchState;
  /** What each hook runs, resolved against `ruleset` and `index` (remade when either is replaced): hookPlan(). */
  plan: HookPlan | null;
}

/** A table's base chain at one hook, as the installed ruleset holds it, and the table's jump targets met so far. */
interface BaseChainAt {
  table: Table;
  chain: Chain;
  jumps: JumpTargets;
  /** The last hop detail printed for a walk of this chain, with what it printed (hopDetail()). */
  detail: HopDetail | null;
}

/** A netfilter hop's detail line with every input it printed besides the place: the deciding rule, the verdict, the family. */
interface HopDetail {
  readonly rule: string | null;
  readonly verdict: string | null;
  readonly bridge: boolean;
  readonly text: string;
}

/**
 * The detail line of a walk of `at` (a table's base chain at one hook): kept on the plan's place and printed
 * again only when the rule that decided, the verdict or the family differ from the last walk's there.
 */
function hopDetail(at: BaseChainAt, hook: NfHook, rule: string | null, verdict: string | null, bridge: boolean): string {
  const d = at.detail;
  if (d !== null && d.rule === rule && d.verdict === verdict && d.bridge === bridge) return d.text;
  const place = `${bridge ? 'bridge ' : ''}${at.table.name} ${hook}: `;
  // The nat table names no verdict: its walk decides a binding (natStep()).
  const text = verdict === null ? `${place}${rule ?? 'no NAT rule matched'}` : rule === null ? `${place}policy ${verdict}` : `${place}${rule} => ${verdict}`;
  at.detail = { rule, verdict, bridge, text };
  return text;
}

/** One function a hook runs: conntrack, its confirm, or a table's base chain (null for a nat table without one). */
interface PlanStep {
  step: Step;
  at: BaseChainAt | null;
}

/**
 * What each hook runs in a namespace, resolved once per installed ruleset. A table without a base chain at a
 * hook registers nothing there (iptables-nft: a base chain is the hook registration, nft_register_basechain_hooks()),
 * so its step is left out; the nat step stays, as conntrack applies a connection's bindings without a nat table.
 * A committed ruleset is not written in place (a restore makes a new one: restore-apply.ts), so the plan holds
 * while `ruleset` and `index` are the installed ones.
 */
export interface HookPlan {
  ruleset: Ruleset;
  index: RulesetIndex;
  hooks: Readonly<Record<NfHook, readonly PlanStep[]>>;
  /** evaluateChain()'s options with the rule walk's fact lines, and without. */
  withFacts: EvalOptions;
  plain: EvalOptions;
}

function planHook(rs: Ruleset, hook: NfHook, jumps: Map<TableName, JumpTargets>): PlanStep[] {
  const steps: PlanStep[] = [];
  for (const step of HOOK_STEPS[hook]) {
    if (step === 'conntrack' || step === 'confirm') {
      steps.push({ step, at: null });
      continue;
    }
    const table = rs.tables.get(step);
    const chain = table?.chains.get(hook);
    if (!table || !chain) {
      if (step === 'nat') steps.push({ step, at: null });
      continue;
    }
    let known = jumps.get(step);
    if (known === undefined) jumps.set(step, (known = new Map()));
    steps.push({ step, at: { table, chain, jumps: known, detail: null } });
  }
  return steps;
}

/** The installed ruleset's plan, made on the first packet after an install. */
function hookPlan(nf: NetfilterState): HookPlan {
  const known = nf.plan;
  if (known !== null && known.ruleset === nf.ruleset && known.index === nf.index) return known;
  const rs = nf.ruleset;
  // One map of jump targets per table, shared by its base chains' walks.
  const jumps = new Map<TableName, JumpTargets>();
  const plan: HookPlan = {
    ruleset: rs,
    index: nf.index,
    hooks: {
      PREROUTING: planHook(rs, 'PREROUTING', jumps),
      INPUT: planHook(rs, 'INPUT', jumps),
      FORWARD: planHook(rs, 'FORWARD', jumps),
      OUTPUT: planHook(rs, 'OUTPUT', jumps),
      POSTROUTING: planHook(rs, 'POSTROUTING', jumps),
    },
    withFacts: { facts: true, index: nf.index },
    plain: { facts: false, index: nf.index },
  };
  nf.plan = plan;
  return plan;
}

/** Whether conntrack must run for `rs`: a nat table, or a rule that reads connection state. */
export function needsConntrack(rs: Ruleset): boolean {
  if (rs.tables.has('nat')) return true;
  for (const t of rs.tables.values()) {
    for (const c of t.chains.values()) {
      for (const r of c.rules) {
        const text = ruleText(c.name, r);
        if (/ -m (conntrack|state|connmark) | -j CONNMARK\b/.test(text)) return true;
      }
    }
  }
  return false;
}

/**
 * `ipsets`: the namespace's sets, as `-m set` reads them (ipsets are per network namespace). `index`: the
 * ruleset's index when the caller already has it (Worlds built many times from one parsed ruleset).
 */
export function netfilterState(
  ruleset: Ruleset,
  sysctl: (k: string) => number,
  ipsets: MatchState['ipsets'] = new Map(),
  index: RulesetIndex = indexRuleset(ruleset),
): NetfilterState {
  return {
    ruleset,
    index,
    conntrack: new ConntrackTable({
      tcpLoose: sysctl('net.netfilter.nf_conntrack_tcp_loose') !== 0,
      tcpBeLiberal: sysctl('net.netfilter.nf_conntrack_tcp_be_liberal') !== 0,
      timeouts: { udp: sysctl('net.netfilter.nf_conntrack_udp_timeout'), udpStream: sysctl('net.netfilter.nf_conntrack_udp_timeout_stream') },
    }),
    ctActive: needsConntrack(ruleset),
    matchState: { recent: new Map(), ipsets, nfacct: new Map() },
    plan: null,
  };
}

const isMulticast = (a: number): boolean => a >>> 28 === 0xe;

/** Linux: inet_addr_type_dev_table(): the type of the local-table route for `addr` (UNICAST when none). */
function addrTypeOf(ns: Netns, addr: number, dev: string | null): AddrType {
  if (addr === 0xffffffff) return 'BROADCAST';
  if (addr === 0) return 'BROADCAST';
  if (isMulticast(addr)) return 'MULTICAST';
  const local = ns.fib.tableLookup(255, { dst: addr, src: 0, iif: null, oif: null, mark: 0, tos: 0 }, () => true);
  if (local && (dev === null || local.dev === dev)) {
    if (local.type === 'local') return 'LOCAL';
    if (local.type === 'broadcast') return 'BROADCAST';
  }
  return 'UNICAST';
}

function skbCt(skb: Skb, ns: Netns): SkbConntrack | null {
  const ct = skb.ct as SkbConntrack | null;
  return ct && ct.netns === ns.name ? ct : null;
}

/** Builds the engine behind `nfHook()` for a namespace. */
export function netfilterEngine(ns: Netns, nf: NetfilterState): NetfilterEngine {
  return (skb, hctx) => runHook(ns, nf, skb, hctx);
}

function runHook(ns: Netns, nf: NetfilterState, skb: Skb, h: NfContext): NfVerdict {
  const dev = h.hook === 'PREROUTING' || h.hook === 'INPUT' || h.hook === 'FORWARD' ? h.in : h.out;
  const plan = hookPlan(nf);
  const steps = plan.hooks[h.hook];
  for (let i = 0; i < steps.length; i++) {
    const { step, at } = steps[i];
    if (step === 'conntrack') {
      conntrackIn(ns, nf, skb, dev);
      continue;
    }
    if (step === 'confirm') {
      const ct = skbCt(skb, ns);
      if (ct?.res?.entry && ct.res.state === 'NEW') {
        const c = nf.conntrack.confirm(ct.res.entry, ns.env.timers.now());
        if (!c.ok) return { verdict: 'DROP', reason: 'NETFILTER_DROP', rule: 'conntrack: insert failed (tuple clash at confirm)' };
      }
      continue;
    }
    if (step === 'nat') {
      const v = natStep(ns, nf, plan, skb, h, at, dev);
      if (v) return v;
      continue;
    }
    if (at === null) throw new Error(`invariant: the plan's ${step} step has no chain`);
    const v = tableStep(ns, nf, plan, skb, h, at, dev);
    if (v) return v;
  }
  return { verdict: 'ACCEPT' };
}

/** How a conntrack hop names a packet of a known connection, by state and direction (one string each). */
const CT_KNOWN = {
  ESTABLISHED: { ORIGINAL: 'ESTABLISHED (original direction)', REPLY: 'ESTABLISHED (reply direction)' },
  RELATED: { ORIGINAL: 'RELATED (original direction)', REPLY: 'RELATED (reply direction)' },
} as const;

/** Linux: nf_conntrack_in(): find or create the connection (unless raw's NOTRACK untracked it). */
function conntrackIn(ns: Netns, nf: NetfilterState, skb: Skb, dev: string | null): void {
  if (!nf.ctActive) return;
  const existing = skbCt(skb, ns);
  if (existing) return;
  const res = nf.conntrack.resolve(skb.packet, ns.env.timers.now());
  skb.ct = { res, untracked: false, netns: ns.name } satisfies SkbConntrack;
  const t = skbEndpoints(skb);
  const what = res.state === 'INVALID' ? `INVALID (${res.reason})` : res.state === 'NEW' ? 'NEW connection' : CT_KNOWN[res.state][res.direction];
  report(ns, skb.leg, {
    dev,
    stage: 'netfilter',
    detail: `conntrack: ${what} ${skb.packet.l4.proto} ${t.src} > ${t.dst}`,
    table: null,
    chain: null,
    minor: res.state === 'ESTABLISHED',
    // The entry's print is kept by its table: the listing at the end of the run reuses it when nothing changed.
    facts: res.entry ? [nf.conntrack.printed(res.entry, ns.env.timers.now()).line] : [],
  });
}

/** The owner of every local socket of the model (read by `-m owner`, never written). */
const ROOT_SOCKET: Readonly<{ uid: number; gid: number }> = Object.freeze({ uid: 0, gid: 0 });

export type { NsServices } from './hook-packet-context.js';

function nsServices(ns: Netns): NsServices {
  let s = ns.nfServices;
  if (s === undefined) {
    s = {
      addrType: (addr, d) => addrTypeOf(ns, addr, d),
      random: () => ns.env.random(),
      fibLookup: (flow) => {
        // rpfilter_lookup_reverse(): fib_lookup() with FIB_LOOKUP_IGNORE_LINKSTATE, iif loopback.
        const r = ns.fib.lookup({ dst: flow.dst, src: flow.src, iif: 'lo', oif: null, mark: flow.mark, tos: flow.tos }, () => true);
        return r.ok ? { type: r.route.type, devs: r.route.dev === null ? [] : [r.route.dev] } : null;
      },
    };
    ns.nfServices = s;
  }
  return s;
}

function packetContext(ns: Netns, nf: NetfilterState, skb: Skb, h: NfContext, table: TableName): HookPacketContext {
  // Every local socket of the model belongs to root; only locally generated packets carry one (pmtudisc).
  return new HookPacketContext(skb.packet, skb.mark, h, table, nf.matchState, skb.pmtudisc !== null ? ROOT_SOCKET : null, nsServices(ns), ns.env.timers.now(), skbCt(skb, ns));
}

function walk(ns: Netns, nf: NetfilterState, plan: HookPlan, skb: Skb, h: NfContext, at: BaseChainAt): EvalResult {
  const { table: t, chain, jumps } = at;
  const table = t.name;
  const seen = ns.env.nfObserver ? skbEndpoints(skb) : null;
  const decide = ns.env.decide;
  if (chain.rules.length === 0 && chain.hook !== null && !decide) {
    // A base chain without rules: only its policy (and its counters). No rule reads the packet, so no
    // context is made; the marks stay as they are (skb->mark as the unsigned value a walk leaves).
    const res = evaluateEmptyBaseChain(chain, nf.matchState, skb.packet.ip.totalLength);
    skb.mark = skb.mark >>> 0;
    if (seen) {
      ns.env.nfObserver?.({
        kind: 'chain', netns: ns.name, leg: skb.leg, hook: h.hook, family: h.family, table, in: h.in, out: h.out,
        src: seen.src, dst: seen.dst, result: res, ruleset: nf.ruleset, mark: skb.mark,
      });
    }
    return res;
  }
  const ctx = packetContext(ns, nf, skb, h, table);
  // Branch exploration: a walk an earlier run made with the same choices so far is replayed (walk-memo.ts).
  const memo = decide ? ns.env.walkMemo : undefined;
  const slot = memo && memo.shareable(nf.ruleset) ? memo.enter() : null;
  const known = memo && slot && decide ? memo.replay(slot, decide) : null;
  let res: EvalResult;
  let ctMark: number | null;
  if (known?.leaf) {
    res = known.leaf.res;
    skb.mark = known.leaf.mark;
    ctMark = known.leaf.ctMark;
  } else if (!decide) {
    // No branch exploration (a plain trace): the walk draws from the run's RNG and nothing is noted (no leaf).
    // The rule walk as the hop's facts print it (the steps' only reader here), for runs whose hops someone reads.
    res = evaluateTableChain(t, chain, ctx, ns.env.ruleWalk !== false ? plan.withFacts : plan.plain, jumps);
    skb.mark = ctx.mark >>> 0;
    ctMark = ctx.ctMarkAfter();
  } else {
    // Choices the replay already asked are taken again without asking; new ones are asked and kept.
    const asked = known?.asked ?? [];
    const made: WalkChoice[] = [];
    for (const c of asked) made.push(c);
    let k = 0;
    const walked = evaluateTableChain(t, chain, ctx, {
      // The rule walk of the detailed view: each rule printed, for runs whose hops someone reads.
      facts: ns.env.ruleWalk !== false,
      index: nf.index,
      decide: (p, where) => {
        if (k < asked.length) return asked[k++].choice;
        const chain = nf.ruleset.tables.get(where.table)?.chains.get(where.chain);
        const rule = chain?.rules[where.index - 1];
        const text = chain && rule ? ruleText(chain.name, rule) : `${where.chain} rule ${where.index}`;
        const choice = decide(p, text);
        made.push({ probability: p, rule: text, choice });
        return choice;
      },
    }, jumps);
    const leaf: WalkLeaf = { res: walked, mark: ctx.mark >>> 0, ctMark: ctx.ctMarkAfter() };
    if (memo && slot) memo.store(slot, made, leaf);
    res = walked;
    skb.mark = leaf.mark;
    ctMark = leaf.ctMark;
  }
  if (seen) {
    ns.env.nfObserver?.({
      kind: 'chain', netns: ns.name, leg: skb.leg, hook: h.hook, family: h.family, table, in: h.in, out: h.out,
      src: seen.src, dst: seen.dst, result: res, ruleset: nf.ruleset, mark: skb.mark,
    });
  }
  // CONNMARK writes the view's mark; the entry's mark is the one field conntrack lets us set.
  const ct = skbCt(skb, ns);
  if (ct?.res?.entry && ctMark !== null && ctMark !== ct.res.entry.mark) nf.conntrack.setMark(ct.res.entry, ctMark);
  return res;
}

function decidedText(res: EvalResult): string | null {
  const by = res.decidedBy;
  const rule = res.decidedRule;
  return by && rule ? ruleText(by.chain, rule) : null;
}

/** One table's chain at this hook (raw, mangle, filter, security). */
function tableStep(ns: Netns, nf: NetfilterState, plan: HookPlan, skb: Skb, h: NfContext, at: BaseChainAt, dev: string | null): NfVerdict | null {
  const res = walk(ns, nf, plan, skb, h, at);
  const table = at.table.name;
  if (res.notrack && table === 'raw') skb.ct = { res: null, untracked: true, netns: ns.name } satisfies SkbConntrack;
  const rule = decidedText(res);
  const v = res.verdict;
  const verdictName = v.kind === 'accept' ? 'ACCEPT' : v.kind === 'drop' ? 'DROP' : v.kind === 'reject' ? `REJECT --reject-with ${v.with}` : v.kind.toUpperCase();
  for (const e of res.events) {
    report(ns, skb.leg, { dev, stage: 'netfilter', table, chain: h.hook, detail: `${e.kind.toUpperCase()} ${e.prefix}`.trim(), minor: false });
  }
  if (res.visited > 0) {
    report(ns, skb.leg, {
      dev,
      stage: 'netfilter',
      table,
      chain: h.hook,
      rule,
      verdict: verdictName,
      detail: hopDetail(at, h.hook, rule, verdictName, h.family === 'bridge'),
      facts: res.facts, // read only (PathEvent.facts): a walk replayed by walk-memo.ts shares them
      minor: rule === null && v.kind === 'accept',
    });
  }
  if (v.kind === 'drop') return { verdict: 'DROP', reason: v.reason, rule: rule ?? `${table} ${h.hook} policy DROP` };
  if (v.kind === 'reject') return { verdict: 'REJECT', with: v.with, rule };
  return null;
}

/** What a translation at this hook is: DNAT/SNAT on the original direction, their undoing on replies. */
function natLabel(hook: NatHookName, reply: boolean): string {
  const dst = hook === 'PREROUTING' || hook === 'OUTPUT';
  if (reply) return dst ? 'un-SNAT (reply)' : 'un-DNAT (reply)';
  return dst ? 'DNAT' : 'SNAT';
}

/** The nat table at a hook: decided on a connection's first packet, applied to every packet after. */
function natStep(ns: Netns, nf: NetfilterState, plan: HookPlan, skb: Skb, h: NfContext, at: BaseChainAt | null, dev: string | null): NfVerdict | null {
  if (!nf.ctActive) return null;
  const ct = skbCt(skb, ns);
  if (!ct?.res || ct.untracked || h.hook === 'FORWARD') return null;
  const hook = h.hook as NatHookName;
  let walked: EvalResult | null = null;
  const r = natHook(nf.conntrack, ct.res, hook, skb.packet, nsServices(ns).random, ns.env.timers.now(), () => {
    if (at === null) return null;
    const w = walk(ns, nf, plan, skb, h, at);
    walked = w;
    const v = w.verdict;
    if (v.kind !== 'nat') return null;
    const nat = v.nat;
    let addr: number | undefined;
    if (nat.kind === 'masquerade') addr = inetSelectAddr(ns, h.out ?? 'lo', h.nexthop ?? skb.packet.ip.dst, RT_SCOPE_UNIVERSE);
    if (nat.kind === 'redirect') addr = h.hook === 'OUTPUT' ? 0x7f000001 : ns.device(h.in ?? '')?.primaryAddrs()[0]?.addr ?? 0;
    return natRequestOf(nat, addr);
  });
  const res = walked as EvalResult | null;
  if (res && res.visited > 0 && at !== null) {
    const rule = decidedText(res);
    report(ns, skb.leg, {
      dev,
      stage: 'netfilter',
      table: 'nat',
      chain: h.hook,
      rule,
      verdict: rule ? 'NAT' : null,
      detail: hopDetail(at, h.hook, rule, null, h.family === 'bridge'),
      facts: res.facts, // read only (PathEvent.facts): a walk replayed by walk-memo.ts shares them
      minor: rule === null,
    });
  }
  if (r.verdict === 'DROP') return { verdict: 'DROP', reason: r.reason, rule: null };
  if (r.translation?.changed) {
    // The packet as it entered (NAT rewrites a copy, translate(), and the walk leaves skb.packet as it is).
    const before = skbEndpoints(skb);
    skb.packet = r.packet;
    const after = skbEndpoints(skb);
    ns.env.nfObserver?.({ kind: 'nat', netns: ns.name, leg: skb.leg, hook: h.hook, src: after.src, dst: after.dst });
    report(ns, skb.leg, {
      dev,
      stage: 'netfilter',
      table: 'nat',
      chain: h.hook,
      detail: `${natLabel(hook, ct.res.direction === 'REPLY')}: ${before.src} > ${before.dst}  =>  ${after.src} > ${after.dst}`,
      before,
      after,
    });
  }
  return null;
}
