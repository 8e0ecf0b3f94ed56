// `net trace --iptables-save`: one packet through one node's real rule dump. A thin shell around the packet
// path every other trace takes: the dump becomes the rules of a one-node World (iptables-save-world.ts: the
// node with the --node-ip addresses, a device in and out, a peer that sends), the probe runs through it
// (src/sim runProbe(): ip_rcv() -> PREROUTING -> ip_route_input() -> INPUT or FORWARD -> POSTROUTING; a local
// sender: __ip_local_out() -> OUTPUT -> POSTROUTING, and for a local destination back in over lo), and the
// hook engine's observations (KernelEnv.nfObserver) give each table's chain with the dump's own lines. The
// connection is NEW: nat sees its first packet, `--ctstate NEW` matches, RELATED/ESTABLISHED do not. Every
// `-m statistic --mode random` outcome is a branch with its probability, each run on a fresh World.
//
// kube-proxy's own tracer (pkg/proxy/iptables/proxier_test.go tracePacket(), reference/kube-proxy.md §3.3)
// walks nat PREROUTING and four filter chains directly and treats --ctstate/--mark/--rcheck as never matching.
// No compatibility mode is needed: on a NEW connection with an empty `recent` list the real semantics give the
// same answers for its flows. `output` renders a trace the way that tracer's `output` reads.

import type { EvalResult, NfObservation, RestoreError, Rule, RuleRef, Ruleset, TableName } from '../kernel/netfilter/index.js';
import { WalkMemo, applyRestore, cloneRuleset, parseRestore, printSave, restore, ruleComment, ruleSourceText } from '../kernel/netfilter/index.js';
import type { MatchState } from '../kernel/netfilter/index.js';
import { parseIpsetSave } from '../kernel/netfilter/ipset-save.js';
import type { NfHook } from '../kernel/netfilter/hooks.js';
import { formatNatRange } from '../kernel/netfilter/targets/nat-range.js';
import { buildWorld, staticEnv } from '../kernel/index.js';
import { runProbe } from '../sim/index.js';
import { formatIpv4, parseIpv4 } from '../wire/ipv4-addr.js';
import { NODE_NETNS, hairpinned, nodeWorld, senderOf, socketSource } from './iptables-save-world.js';
import { blankTrace, branchOf, flowOutput, mergeBranches } from './iptables-outcome.js';
import { isIpv6Trace, traceIp6tablesSave } from './ip6tables-save-trace.js';

export const IPTABLES_TRACE_SCHEMA = 'packetwalk.iptables-trace/v1';

export type IptablesProto = 'tcp' | 'udp' | 'sctp' | 'icmp';
export type IptablesVerdict = 'ACCEPT' | 'DROP' | 'REJECT';

export interface IptablesTraceOptions {
  src: string;
  dst: string;
  /** Required for tcp, udp and sctp. */
  dport?: number;
  /** Default tcp. */
  proto?: IptablesProto;
  /** The node's addresses: `-m addrtype` LOCAL (with 127.0.0.0/8), and a source among them sends from the node. */
  nodeIPs?: readonly string[];
  /** Default 40000, inside Linux's ip_local_port_range (32768-60999). */
  sport?: number;
  /** Accept kube-proxy FakeIPTables text, where `--comment` values with spaces are not quoted. */
  lenientComments?: boolean;
  /** The device the packet comes in by (default eth0; lo for a local sender's packet coming back). */
  inIface?: string;
  /** The device a forwarded or sent packet leaves by (default eth0; lo towards a local address). */
  outIface?: string;
  /** skb->mark the packet starts with (SO_MARK for a local sender). */
  mark?: number;
  /** kube-proxy's masquerade mark, 1 << --iptables-masquerade-bit (default bit 14: 0x4000). */
  masqueradeMark?: number;
  /** At most this many branches are explored (default 1024). */
  branchLimit?: number;
  /**
   * The node's `ipset save` output. The sets it creates are the ones `-m set --match-set` may name: any other
   * name is refused as iptables-restore refuses it ("Set NAME doesn't exist."), so without it no set exists.
   */
  ipsets?: string;
}

/** A mistake in the dump (with its line, as iptables-restore reports it) or in the options (line null). */
export interface IptablesTraceError {
  line: number | null;
  column?: number;
  message: string;
  /** The error is in the `ipsets` text rather than in the dump. */
  file?: 'ipsets';
}

/** A rule that matched, as written in the dump. */
export interface MatchedRule {
  table: TableName;
  chain: string;
  /** 1-based position in its chain, as `iptables -L --line-numbers` counts. */
  index: number;
  /** Line in the dump; null when the rule has none. */
  line: number | null;
  rule: string;
  /** The `-m comment --comment` text (kube-proxy names the Service there), null without one. */
  comment: string | null;
  /** `-j`/`-g` target: a chain or a target module name; null for a rule without one. */
  target: string | null;
  /** For a `-m statistic --mode random` rule: the probability that it matches. */
  probability?: number;
}

/** One table's chain at one hook. */
export interface HookWalk {
  hook: NfHook;
  table: TableName;
  in: string | null;
  out: string | null;
  /** The packet as this chain saw it. */
  src: string;
  dst: string;
  /** The chains entered, from the hook's own chain down. */
  chains: string[];
  rules: MatchedRule[];
  verdict: IptablesVerdict;
  /** The rule that decided; null for the chain policy (or nothing matched). */
  decidedBy: MatchedRule | null;
  /** nat only: the NAT decided here, e.g. `DNAT 10.180.0.1:80`, `MASQUERADE`. */
  nat: string | null;
  /** skb->mark after the chain, hex. */
  mark: string;
}

/** One outcome of the random choices on the way. */
export interface IptablesBranch {
  probability: number;
  /** The destination after NAT, `A.B.C.D:PORT`. */
  dst: string;
  /** The DNAT (or REDIRECT) destination as the rule writes it, null when none. */
  dnat: string | null;
  /** SNAT or MASQUERADE decided in POSTROUTING / INPUT, null when none. */
  snat: string | null;
  /** The masquerade mark was set (KUBE-MARK-MASQ) on the way. */
  markedForMasquerade: boolean;
  /** A MASQUERADE or SNAT target matched. */
  masqueraded: boolean;
  masquerade: boolean;
  verdict: IptablesVerdict;
  /** The deciding rule: the DROP/REJECT, or the last rule that ACCEPTed; null for policies only. */
  decidedBy: MatchedRule | null;
  /** Every matched rule, in walk order. */
  rules: string[];
  hooks: HookWalk[];
}

export interface IptablesTrace {
  schema: typeof IPTABLES_TRACE_SCHEMA;
  packet: { proto: IptablesProto; src: string; dst: string };
  /** `local`: the source is a node address, the packet starts at OUTPUT; `ingress`: it arrives at PREROUTING. */
  origin: 'local' | 'ingress';
  nodeIPs: string[];
  /** When not empty, nothing was traced. */
  errors: IptablesTraceError[];
  /** Things the trace could not model or left out (node IPs of the other family, unmodelled set types). */
  notes: string[];
  /**
   * What in the dump is likely not what the user meant, though the kernel takes it: chains holding rules that
   * no built-in chain reaches (kube-proxy's test dumps leave out the jumps from PREROUTING and OUTPUT).
   */
  warnings: string[];
  /** The first branch's walk (every branch has its own in `branches`). */
  hooks: HookWalk[];
  verdict: IptablesVerdict;
  decidedBy: MatchedRule | null;
  /** Distinct DNAT destinations over all branches, in rule order. */
  dnat: string[];
  /** Some branch is masqueraded or marked for it. */
  masquerade: boolean;
  branches: IptablesBranch[];
  /** branchLimit cut the exploration short. */
  truncated: boolean;
  /**
   * What kube-proxy's tracer prints: the DNAT destinations joined by ", ", else the verdict when a rule decided
   * it, else "" (no rule decided; the policy did).
   */
  output: string;
}

interface Loaded {
  ruleset: Ruleset;
  lineOf: Map<Rule, number>;
  sets: MatchState['ipsets'];
}

interface Spec {
  proto: IptablesProto;
  src: number;
  dst: number;
  sport: number;
  dport: number;
  local: string[];
  localAddrs: ReadonlySet<number>;
  inIface: string;
  outIface: string;
  mark: number;
  masqMark: number;
}

const PROTO_NUMBER: Readonly<Record<IptablesProto, 'tcp' | 'udp' | 'icmp' | number>> = { tcp: 'tcp', udp: 'udp', sctp: 132, icmp: 'icmp' };

function load(text: string, lenientComments: boolean, sets: MatchState['ipsets']): { loaded: Loaded | null; errors: RestoreError[] } {
  const opts = { lenientComments, sets: new Set(sets.keys()) };
  const parsed = parseRestore(text, undefined, opts);
  const { ruleset, errors } = applyRestore({ tables: new Map() }, parsed.script, opts, parsed.errors);
  if (errors.length) return { loaded: null, errors };
  // iptables-restore takes an empty input; a trace through it would be a policy ACCEPT that explains nothing.
  if (!parsed.script.lines.some((l) => l.kind === 'table')) {
    const first = text.split('\n').findIndex((l) => l.trim() !== '');
    const message = first < 0
      ? 'empty: no table to trace through (iptables-save prints `*filter` ... `COMMIT` blocks)'
      : 'no table: only comments (iptables-save prints `*filter` ... `COMMIT` blocks)';
    return { loaded: null, errors: [{ line: first < 0 ? 1 : first + 1, column: 1, message }] };
  }
  const lineOf = new Map<Rule, number>();
  for (const l of parsed.script.lines) {
    if (l.kind === 'command' && 'rules' in l.command && l.command.rules) for (const r of l.command.rules) lineOf.set(r, l.line);
  }
  return { loaded: { ruleset, lineOf, sets }, errors: [] };
}

/** Chains with rules that no built-in chain of their table reaches by -j or -g, as `table CHAIN`. */
export function unreachableChains(rs: Ruleset): string[] {
  const out: string[] = [];
  for (const t of rs.tables.values()) {
    const seen = new Set<string>();
    const todo = [...t.chains.values()].filter((c) => c.hook !== null).map((c) => c.name);
    while (todo.length) {
      const name = todo.pop()!;
      if (seen.has(name)) continue;
      seen.add(name);
      for (const r of t.chains.get(name)?.rules ?? []) if (r.target.kind === 'jump' || r.target.kind === 'goto') todo.push(r.target.chain);
    }
    for (const c of t.chains.values()) if (!seen.has(c.name) && c.rules.length > 0) out.push(`${t.name} ${c.name}`);
  }
  return out;
}

function unreachableWarning(rs: Ruleset): string[] {
  const names = unreachableChains(rs);
  if (names.length === 0) return [];
  const shown = names.length > 6 ? `${names.slice(0, 6).join(', ')} and ${names.length - 6} more` : names.join(', ');
  return [`no built-in chain jumps to ${shown}: the rules in ${names.length === 1 ? 'it' : 'them'} cannot match any packet (is a -A PREROUTING / INPUT / FORWARD / OUTPUT ... -j line missing?)`];
}

function checkOptions(o: IptablesTraceOptions, notes: string[]): { spec: Spec | null; errors: IptablesTraceError[] } {
  const errors: IptablesTraceError[] = [];
  const bad = (message: string): void => void errors.push({ line: null, message });
  const proto = o.proto ?? 'tcp';
  if (!(proto in PROTO_NUMBER)) bad(`proto must be one of tcp, udp, sctp, icmp, got "${String(proto)}"`);
  const src = parseIpv4(o.src);
  if (src === undefined) bad(`src must be an IPv4 address like 10.0.0.2, got "${o.src}"`);
  const dst = parseIpv4(o.dst);
  if (dst === undefined) bad(`dst must be an IPv4 address like 10.96.0.10, got "${o.dst}"`);
  const port = (name: string, v: number | undefined): void => {
    if (v !== undefined && !(Number.isInteger(v) && v >= 1 && v <= 65535)) bad(`${name} must be in 1..65535, got ${v}`);
  };
  port('dport', o.dport);
  port('sport', o.sport);
  if (proto !== 'icmp' && o.dport === undefined) bad(`${proto} needs a destination port`);
  const local: string[] = [];
  for (const ip of o.nodeIPs ?? []) {
    if (parseIpv4(ip) !== undefined) local.push(ip);
    else if (ip.includes(':')) notes.push(`node IP ${ip} ignored: an IPv6 address is not seen by iptables (an IPv6 --src and --dst trace an ip6tables-save dump)`);
    else bad(`node IP must be an IPv4 address, got "${ip}"`);
  }
  // dev_valid_name(): 1..15 bytes, not "." or "..", no '/', ':' or blanks; lo is the node's loopback already.
  for (const [flag, dev] of [['in-iface', o.inIface], ['out-iface', o.outIface]] as const) {
    if (dev === undefined) continue;
    if (dev === 'lo') bad(`--${flag} lo: the node's loopback is used by the packet path itself (a node's packet to its own address); give the device the packet ${flag === 'in-iface' ? 'comes in' : 'leaves'} by`);
    else if (new TextEncoder().encode(dev).length > 15 || dev === '' || dev === '.' || dev === '..' || /[/:\s+]/.test(dev)) {
      bad(`--${flag} must be a device name (1 to 15 bytes, no '/', ':', '+' or blanks), got "${dev}"`);
    }
  }
  if (errors.length || src === undefined || dst === undefined) return { spec: null, errors };
  return {
    spec: {
      proto, src, dst, sport: o.sport ?? 40000, dport: o.dport ?? 0, local, localAddrs: new Set(local.map((a) => parseIpv4(a)!)),
      inIface: o.inIface ?? 'eth0', outIface: o.outIface ?? 'eth0', mark: (o.mark ?? 0) >>> 0, masqMark: o.masqueradeMark ?? 0x4000,
    },
    errors,
  };
}

function isLocal(spec: Spec, addr: number): boolean {
  return addr >>> 24 === 127 || spec.localAddrs.has(addr);
}

function targetName(r: Rule): string | null {
  const t = r.target;
  if (t.kind === 'jump' || t.kind === 'goto') return t.chain;
  if (t.kind === 'module') return t.target.name;
  return null;
}

function hex(n: number): string {
  return `0x${(n >>> 0).toString(16)}`;
}

/** Matches that keep state in the rule itself (not in the namespace's MatchState). */
const RULE_STATE = new Set(['statistic', 'limit', 'hashlimit']);

/** What one run of the packet through the node's World did, read from the kernel's netfilter observations. */
class Walk {
  readonly hooks: HookWalk[] = [];
  dnat: string | null = null;
  snat: string | null = null;
  marked = false;
  masqueraded = false;
  /** The packet's endpoints as last seen (after the last NAT). */
  src: string;
  dst: string;

  constructor(
    private readonly env: Loaded,
    private readonly spec: Spec,
    start: { src: string; dst: string },
  ) {
    this.src = start.src;
    this.dst = start.dst;
  }

  /** The dump's rule behind a rule of the World's copy of it: the same table, chain and position. */
  private matched(ref: RuleRef, res: EvalResult): MatchedRule {
    const rule = this.env.ruleset.tables.get(ref.table)!.chains.get(ref.chain)!.rules[ref.index - 1];
    const m: MatchedRule = {
      table: ref.table, chain: ref.chain, index: ref.index, line: this.env.lineOf.get(rule) ?? null,
      rule: ruleSourceText(ref.chain, rule), comment: ruleComment(rule), target: targetName(rule),
    };
    const b = res.branches.find((x) => x.taken && x.where.table === ref.table && x.where.chain === ref.chain && x.where.index === ref.index);
    if (b) m.probability = b.probability;
    return m;
  }

  observe(o: NfObservation): void {
    if (o.netns !== NODE_NETNS || o.leg !== 0) return;
    if (o.kind === 'nat') {
      this.src = o.src;
      this.dst = o.dst;
      const h = [...this.hooks].reverse().find((x) => x.table === 'nat' && x.hook === o.hook);
      if (h && h.nat?.startsWith('REDIRECT')) {
        this.dnat = this.dst;
        h.nat = `REDIRECT ${this.dst}`;
      }
      return;
    }
    const res = o.result;
    const table = o.table;
    this.src = o.src;
    this.dst = o.dst;
    const rules = res.matched.map((r) => this.matched(r, res));
    if (rules.some((r) => r.target === 'KUBE-MARK-MASQ') || (o.mark & this.spec.masqMark) === this.spec.masqMark) this.marked = true;
    const decidedBy = res.decidedBy ? rules.find((r) => r.chain === res.decidedBy!.chain && r.index === res.decidedBy!.index) ?? null : null;
    const chains = [o.hook, ...rules.map((r) => r.target).filter((t): t is string => t !== null && this.env.ruleset.tables.get(table)!.chains.has(t))];
    const v = res.verdict;
    const walk: HookWalk = {
      hook: o.hook, table, in: o.in, out: o.out, src: o.src, dst: o.dst, chains: [...new Set(chains)], rules,
      verdict: v.kind === 'drop' ? 'DROP' : v.kind === 'reject' ? 'REJECT' : 'ACCEPT', decidedBy, nat: null, mark: hex(o.mark),
    };
    this.hooks.push(walk);
    if (v.kind === 'nat') walk.nat = this.natText(v.nat);
  }

  /** The NAT a nat chain decided, as the rule writes it (the World applies it; `observe` sees the result). */
  private natText(nat: Extract<EvalResult['verdict'], { kind: 'nat' }>['nat']): string {
    const range = nat.range;
    if (nat.kind === 'dnat') {
      this.dnat = range ? formatNatRange(range) : null;
      return `DNAT ${this.dnat ?? ''}`.trim();
    }
    if (nat.kind === 'redirect') return 'REDIRECT';
    this.masqueraded = true;
    this.snat = nat.kind === 'snat' && range ? formatNatRange(range) : 'MASQUERADE';
    return nat.kind === 'snat' ? `SNAT ${this.snat}` : 'MASQUERADE';
  }
}

/**
 * Traces a NEW packet from `o.src` to `o.dst` through the iptables-save / iptables-restore text `text`; with an
 * IPv6 source or destination, through an ip6tables-save dump (ip6tables-save-trace.ts).
 */
/** Traces a NEW packet from `o.src` to `o.dst` through the iptables-save / iptables-restore text `text`. */
export function traceIptablesSave(text: string, o: IptablesTraceOptions): IptablesTrace {
  // An IPv6 packet meets ip6tables, walked by its own module (the kernel core is IPv4).
  if (isIpv6Trace(o)) return traceIp6tablesSave(text, o);
  const noteList: string[] = [];
  const { spec, errors: optErrors } = checkOptions(o, noteList);
  const proto = o.proto ?? 'tcp';
  const base = blankTrace(
    { proto, src: proto === 'icmp' ? o.src : `${o.src}:${o.sport ?? 40000}`, dst: o.dport !== undefined ? `${o.dst}:${o.dport}` : o.dst },
    spec && isLocal(spec, spec.src) ? 'local' : 'ingress',
    o.nodeIPs ?? [],
    noteList,
  );
  const ipsets = o.ipsets === undefined ? null : parseIpsetSave(o.ipsets);
  const sets: MatchState['ipsets'] = ipsets?.sets ?? new Map();
  if (ipsets) for (const n of ipsets.notes) noteList.push(n);
  const setHint = ipsets ? '' : " (give the node's `ipset save` output with --ipsets FILE)";
  const { loaded, errors } = load(text, o.lenientComments ?? false, sets);
  base.errors = [
    ...(ipsets?.errors ?? []).map((e): IptablesTraceError => ({ line: e.line, column: e.column, message: e.message, file: 'ipsets' })),
    ...errors.map((e): IptablesTraceError => {
      const message = /^Set .* doesn't exist\.$/.test(e.message) ? `${e.message}${setHint}` : e.message;
      return e.column ? { line: e.line, column: e.column, message } : { line: e.line, message };
    }),
    ...optErrors,
  ];
  if (!loaded || !spec || base.errors.length) return base;
  base.warnings = unreachableWarning(loaded.ruleset);
  // The World's copy of the dump is a clone of the parsed dump (not parsed again), unless a rule keeps state of
  // its own (nth counters, limit and hashlimit buckets live in the rule, as xt_statistic_priv does): then it
  // is parsed afresh, so the dump's own rules never share that state. Runs undo it through the checkpoint.
  const worldText = printSave(loaded.ruleset);
  const stateful = [...loaded.ruleset.tables.values()].some((t) => [...t.chains.values()].some((c) => c.rules.some((r) => r.matches.some((m) => RULE_STATE.has(m.module) && m.branchProbability === undefined))));
  const parsedOnce = stateful ? undefined : loaded.ruleset;
  const restoreOnce = (t: string): ReturnType<typeof restore> => (parsedOnce && t === worldText ? { ruleset: cloneRuleset(parsedOnce), errors: [] } : restore(t));
  const ends = { src: formatIpv4(spec.src), dst: formatIpv4(spec.dst), nodeIPs: spec.local };
  const spec0 = nodeWorld({ ...ends, iptables: worldText, sets: loaded.sets, inIface: spec.inIface, outIface: spec.outIface });
  const from = senderOf({ ...ends, inIface: spec.inIface, outIface: spec.outIface });
  if (hairpinned(ends)) {
    noteList.push(`--src is --dst (${ends.src}) and not a node address: sent as a load balancer hairpins it (kube-proxy's "same node to LB, SNATted to LB"), from ${socketSource(ends)} with its SNAT to ${ends.src}, so it reaches the node from outside`);
  }
  const probe = {
    from, src: parseIpv4(socketSource(ends))!, dst: spec.dst, proto: spec.proto, dport: spec.proto === 'icmp' ? undefined : spec.dport,
    sport: spec.proto === 'icmp' ? undefined : spec.sport, mark: spec.mark,
  };
  const start = { src: base.packet.src, dst: base.packet.dst };
  const limit = o.branchLimit ?? 1024;
  // One World, built once; every sequence of random choices runs on a checkpoint of it, depth first, and is
  // rolled back (as exploreTraceBranches() does). The runs are read through nfObserver: no rule-walk facts.
  const world = buildWorld(spec0, { ...staticEnv(), restore: restoreOnce });
  // Runs share the chain walks before their first different choice (kernel/netfilter/walk-memo.ts).
  const walkMemo = new WalkMemo();
  const pending: boolean[][] = [[]];
  const found: Array<{ walk: Walk; probability: number }> = [];
  while (pending.length > 0 && found.length < limit) {
    const prefix = pending.pop()!;
    const taken: boolean[] = [];
    let p = 1;
    const w = new Walk(loaded, spec, start);
    runProbe(world, probe, {
      // The first packet's way through the node; TCP's first retransmission (1 s) is not waited for.
      untilMs: 500,
      ruleWalk: false,
      walkMemo,
      nfObserver: (obs) => w.observe(obs),
      decide: (prob) => {
        const i = taken.length;
        const choice = prob >= 1 ? true : prob <= 0 ? false : i < prefix.length ? prefix[i] : true;
        if (i >= prefix.length && prob > 0 && prob < 1) pending.push([...taken, false]);
        taken.push(choice);
        p *= prob >= 1 || prob <= 0 ? 1 : choice ? prob : 1 - prob;
        return choice;
      },
    });
    found.push({ walk: w, probability: p });
  }
  const branches = mergeBranches(found.map((b) => branchOf(b.walk, b.probability)));
  const b0 = branches[0];
  if (!b0) return base;
  if (branches.every((b) => b.hooks.length === 0)) noteList.push('the packet crossed none of the node\'s netfilter hooks (its tables have no chain for the hooks it took)');
  return {
    ...base,
    hooks: b0.hooks,
    verdict: b0.verdict,
    decidedBy: b0.decidedBy,
    dnat: [...new Set(branches.map((b) => b.dnat).filter((d): d is string => d !== null))],
    masquerade: branches.some((b) => b.masquerade),
    branches,
    truncated: pending.length > 0,
    output: flowOutput(branches),
  };
}

export { formatIptablesTraceError, renderIptablesTraceJson, renderIptablesTraceText } from './render-iptables-trace.js';
