// `net trace --iptables-save`: one packet through one node's real rule dump, without a modelled network. The
// packet takes the hooks a node would give it (Linux: ip_rcv() -> NF_INET_PRE_ROUTING -> ip_route_input() ->
// NF_INET_LOCAL_IN or NF_INET_FORWARD -> NF_INET_POST_ROUTING; a local sender: __ip_local_out() ->
// NF_INET_LOCAL_OUT -> POSTROUTING, and for a local destination back in over lo), each hook running its tables
// in priority order (raw -300, conntrack -200, mangle -150, nat DNAT -100, filter 0, security 50, nat SNAT
// 100). The connection is NEW: nat sees its first packet, `--ctstate NEW` matches, RELATED/ESTABLISHED do not.
// Every `-m statistic --mode random` outcome is a branch with its probability (exploreBranches()).
//
// kube-proxy's own tracer (pkg/proxy/iptables/proxier_test.go tracePacket(), reference/kube-proxy.md §3.3)
// walks nat PREROUTING and four filter chains directly and treats --ctstate/--mark/--rcheck as never matching.
// No compatibility mode is needed: on a NEW connection with an empty `recent` list the real semantics give the
// same answers for its flows. `output` renders a trace the way that tracer's `output` reads.

import type { EvalResult, NfPacketContext, RestoreError, Rule, RuleRef, Ruleset, TableName } from '../kernel/netfilter/index.js';
import { applyRestore, evaluateChain, exploreBranches, indexRuleset, parseRestore, ruleComment, ruleSourceText } from '../kernel/netfilter/index.js';
import type { MatchState, RulesetIndex } from '../kernel/netfilter/index.js';
import { parseIpsetSave } from '../kernel/netfilter/ipset-save.js';
import type { NfHook } from '../kernel/netfilter/hooks.js';
import { emptyMatchState, makeContext, makePacket } from '../kernel/netfilter/testing.js';
import { formatNatRange } from '../kernel/netfilter/targets/nat-range.js';
import type { CtStatus, CtView, Tuple } from '../kernel/conntrack/index.js';
import { headerTuple, invertTuple } from '../kernel/conntrack/tuple-of.js';
import type { IpPacket } from '../packet/frame.js';
import { formatIpv4, parseIpv4 } from '../wire/ipv4-addr.js';

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
  /** Things the trace could not model (IPv6 node IPs, SCTP ports, REDIRECT/MASQUERADE addresses). */
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
  index: RulesetIndex;
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
  return { loaded: { ruleset, index: indexRuleset(ruleset), lineOf, sets }, errors: [] };
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
  return [`no built-in chain jumps to ${shown}: the rules there cannot match any packet, so this trace shows only what the built-in chains and policies decide (is a -A PREROUTING / OUTPUT -j ... line missing?)`];
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
    else if (ip.includes(':')) notes.push(`node IP ${ip} ignored: the rule engine is IPv4 only`);
    else bad(`node IP must be an IPv4 address, got "${ip}"`);
  }
  if (proto === 'sctp') notes.push('SCTP ports are not modelled by the rule engine: rules that match SCTP ports do not match');
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

function endpoint(p: IpPacket, which: 'src' | 'dst'): string {
  const a = formatIpv4(which === 'src' ? p.ip.src : p.ip.dst);
  const l4 = p.l4;
  const ports = l4.proto === 'tcp' ? l4.tcp : l4.proto === 'udp' ? l4.udp : null;
  return ports ? `${a}:${which === 'src' ? ports.sport : ports.dport}` : a;
}

/** The packet with its destination (or source) rewritten, as nf_nat_manip_pkt() does. */
function rewrite(p: IpPacket, which: 'src' | 'dst', addr: number, port: number | undefined): IpPacket {
  const ip = { ...p.ip, [which]: addr };
  const l4 = p.l4;
  const key = which === 'src' ? 'sport' : 'dport';
  if (port !== undefined && l4.proto === 'tcp') return { ...p, ip, l4: { ...l4, tcp: { ...l4.tcp, [key]: port } } };
  if (port !== undefined && l4.proto === 'udp') return { ...p, ip, l4: { ...l4, udp: { ...l4.udp, [key]: port } } };
  return { ...p, ip };
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

/** One walk of the packet through the hooks; `decide` answers the random matches. */
class Walk {
  packet: IpPacket;
  mark: number;
  untracked = false;
  tracked = false;
  status = new Set<CtStatus>();
  readonly orig: Tuple;
  readonly hooks: HookWalk[] = [];
  dnat: string | null = null;
  snat: string | null = null;
  marked = false;
  masqueraded = false;
  private readonly state = emptyMatchState();

  constructor(
    private readonly env: Loaded,
    private readonly spec: Spec,
    private readonly notes: Set<string>,
    private readonly decide: (p: number, where: RuleRef) => boolean,
  ) {
    this.packet = makePacket({ proto: PROTO_NUMBER[spec.proto], src: formatIpv4(spec.src), dst: formatIpv4(spec.dst), sport: spec.sport, dport: spec.dport });
    this.mark = spec.mark;
    this.orig = headerTuple(this.packet);
  }

  /** The connection as matches see it: none before conntrack ran (raw), NEW after, UNTRACKED after NOTRACK. */
  private ct(): CtView | null {
    if (this.untracked) return { state: 'UNTRACKED', status: new Set(), direction: 'ORIGINAL', orig: this.orig, reply: invertTuple(this.orig), mark: 0, protoState: '', timeout: 0 };
    if (!this.tracked) return null;
    const tcp = this.spec.proto === 'tcp';
    // nf_conntrack_tcp_timeout_syn_sent 120 s; nf_conntrack_udp_timeout 30 s; icmp 30 s.
    return { state: 'NEW', status: this.status, direction: 'ORIGINAL', orig: this.orig, reply: invertTuple(headerTuple(this.packet)), mark: 0, protoState: tcp ? 'SYN_SENT' : '', timeout: tcp ? 120 : 30 };
  }

  private context(hook: NfHook, table: TableName, inDev: string | null, outDev: string | null): NfPacketContext {
    const spec = this.spec;
    return makeContext({
      packet: this.packet, hook, table, in: inDev, out: outDev, mark: this.mark, ct: this.ct(), local: spec.local, now: 0,
      state: { ...this.state, ipsets: this.env.sets },
      // The node's own packets come from a root socket; forwarded ones have none.
      socket: isLocal(spec, spec.src) ? { uid: 0, gid: 0 } : null,
      // No routing table: a node address is local, any other is reached by the device the packet came in by.
      fibLookup: (flow) => {
        this.notes.add(`rpfilter: without a routing table the way back to ${formatIpv4(flow.dst)} is taken to be ${isLocal(spec, flow.dst) ? 'local' : `by ${spec.inIface}`}`);
        return isLocal(spec, flow.dst) ? { type: 'local', devs: ['lo'] } : { type: 'unicast', devs: [spec.inIface] };
      },
    });
  }

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

  /** Runs one table's chain at a hook; returns the verdict to stop with, or null to go on. */
  run(hook: NfHook, table: TableName, inDev: string | null, outDev: string | null): 'DROP' | 'REJECT' | null {
    if (table === 'nat' && this.untracked) return null; // untracked packets skip NAT (nf_nat_inet_fn() needs a ct)
    const chain = this.env.ruleset.tables.get(table)?.chains.get(hook);
    if (!chain) return null;
    const ctx = this.context(hook, table, inDev, outDev);
    const before = { src: endpoint(this.packet, 'src'), dst: endpoint(this.packet, 'dst') };
    const res = evaluateChain(this.env.ruleset, table, hook, ctx, { decide: this.decide, index: this.env.index });
    this.mark = ctx.mark >>> 0;
    if (res.notrack && table === 'raw') this.untracked = true;
    const rules = res.matched.map((r) => this.matched(r, res));
    if (rules.some((r) => r.target === 'KUBE-MARK-MASQ') || (this.mark & this.spec.masqMark) === this.spec.masqMark) this.marked = true;
    const decidedBy = res.decidedBy ? rules.find((r) => r.chain === res.decidedBy!.chain && r.index === res.decidedBy!.index) ?? null : null;
    const chains = [hook, ...rules.map((r) => r.target).filter((t): t is string => t !== null && this.env.ruleset.tables.get(table)!.chains.has(t))];
    const v = res.verdict;
    const walk: HookWalk = {
      hook, table, in: inDev, out: outDev, ...before, chains: [...new Set(chains)], rules,
      verdict: v.kind === 'drop' ? 'DROP' : v.kind === 'reject' ? 'REJECT' : 'ACCEPT', decidedBy, nat: null, mark: hex(this.mark),
    };
    this.hooks.push(walk);
    if (v.kind === 'nat') walk.nat = this.applyNat(hook, v.nat);
    return walk.verdict === 'ACCEPT' ? null : walk.verdict;
  }

  private applyNat(hook: NfHook, nat: Extract<EvalResult['verdict'], { kind: 'nat' }>['nat']): string {
    const range = nat.range;
    if (nat.kind === 'dnat' || nat.kind === 'redirect') {
      let addr = range?.minAddr;
      if (nat.kind === 'redirect') {
        // nf_nat_redirect_ipv4(): 127.0.0.1 for OUTPUT, else the primary address of the input device.
        addr = hook === 'OUTPUT' ? 0x7f000001 : parseIpv4(this.spec.local[0] ?? '') ?? this.packet.ip.dst;
        if (hook !== 'OUTPUT') this.notes.add('REDIRECT: the input device\'s address is taken to be the first node IP');
      } else if (range && range.maxAddr !== range.minAddr) {
        this.notes.add(`DNAT to a range (${formatNatRange(range)}): the trace takes its first address`);
      }
      this.packet = rewrite(this.packet, 'dst', addr ?? this.packet.ip.dst, range?.ports?.min);
      this.status.add('DNAT');
      this.dnat = range && nat.kind === 'dnat' ? formatNatRange(range) : endpoint(this.packet, 'dst');
      return `${nat.kind === 'dnat' ? 'DNAT' : 'REDIRECT'} ${this.dnat}`;
    }
    this.masqueraded = true;
    this.status.add('SNAT');
    if (nat.kind === 'snat' && range) {
      this.snat = formatNatRange(range);
      this.packet = rewrite(this.packet, 'src', range.minAddr, range.ports?.min);
      return `SNAT ${this.snat}`;
    }
    // nf_nat_masquerade_ipv4(): the output device's address for the next hop; the first node IP stands in.
    this.snat = 'MASQUERADE';
    const addr = parseIpv4(this.spec.local[0] ?? '');
    if (addr !== undefined) this.packet = rewrite(this.packet, 'src', addr, range?.ports?.min);
    this.notes.add('MASQUERADE: the source is taken to be the first node IP');
    return 'MASQUERADE';
  }

  /** Runs `tables` at `hook`, stopping at a DROP or REJECT. */
  hookTables(hook: NfHook, tables: readonly TableName[], inDev: string | null, outDev: string | null): boolean {
    for (const t of tables) {
      if (t !== 'raw' && !this.untracked) this.tracked = true; // nf_conntrack_in() runs at -200, after raw
      if (this.run(hook, t, inDev, outDev)) return false;
    }
    return true;
  }
}

/** The walk a node gives a NEW packet: ip_rcv() or __ip_local_out(), the route decisions, and loopback. */
function walkNode(w: Walk, spec: Spec): void {
  const { inIface, outIface } = spec;
  if (!isLocal(spec, spec.src)) {
    if (!w.hookTables('PREROUTING', ['raw', 'mangle', 'nat'], inIface, null)) return;
    // ip_route_input() on the destination DNAT left.
    if (isLocal(spec, w.packet.ip.dst)) {
      w.hookTables('INPUT', ['mangle', 'filter', 'security', 'nat'], inIface, null);
      return;
    }
    if (!w.hookTables('FORWARD', ['mangle', 'filter', 'security'], inIface, outIface)) return;
    w.hookTables('POSTROUTING', ['mangle', 'nat'], null, outIface);
    return;
  }
  const out0 = isLocal(spec, spec.dst) ? 'lo' : outIface;
  if (!w.hookTables('OUTPUT', ['raw', 'mangle', 'nat', 'filter', 'security'], null, out0)) return;
  // ip_route_me_harder() after a DNAT in OUTPUT.
  const loopback = isLocal(spec, w.packet.ip.dst);
  const out = loopback ? 'lo' : outIface;
  if (!w.hookTables('POSTROUTING', ['mangle', 'nat'], null, out)) return;
  if (!loopback) return;
  // Back in over lo with its conntrack entry: NAT was decided on the way out (nf_nat_initialized()), so the
  // nat chains of PREROUTING and INPUT are not consulted again.
  if (!w.hookTables('PREROUTING', ['raw', 'mangle'], 'lo', null)) return;
  w.hookTables('INPUT', ['mangle', 'filter', 'security'], 'lo', null);
}

function branchOf(w: Walk, probability: number): IptablesBranch {
  const stop = w.hooks.find((h) => h.verdict !== 'ACCEPT');
  const acceptedBy = [...w.hooks].reverse().find((h) => h.decidedBy !== null && h.verdict === 'ACCEPT' && h.nat === null);
  const verdict = stop?.verdict ?? 'ACCEPT';
  return {
    probability,
    dst: endpoint(w.packet, 'dst'),
    dnat: w.dnat,
    snat: w.snat,
    markedForMasquerade: w.marked,
    masqueraded: w.masqueraded,
    masquerade: w.marked || w.masqueraded,
    verdict,
    decidedBy: stop ? stop.decidedBy : acceptedBy?.decidedBy ?? null,
    rules: w.hooks.flatMap((h) => h.rules.map((r) => r.rule)),
    hooks: w.hooks,
  };
}

/**
 * Walks that came out the same are one branch: a random match followed by a match that fails (the kernel
 * still draws, statistic_mt() runs before the next match) splits the walk without changing it.
 */
function mergeBranches(branches: readonly IptablesBranch[]): IptablesBranch[] {
  const byKey = new Map<string, IptablesBranch>();
  for (const b of branches) {
    const key = JSON.stringify([b.rules, b.dst, b.verdict, b.snat, b.markedForMasquerade]);
    const seen = byKey.get(key);
    if (seen) seen.probability += b.probability;
    else byKey.set(key, { ...b });
  }
  return [...byKey.values()];
}

/** kube-proxy tracePacket()'s `output`: DNAT destinations, else a rule's verdict, else "". */
function flowOutput(branches: readonly IptablesBranch[]): string {
  const dnat = [...new Set(branches.map((b) => b.dnat).filter((d): d is string => d !== null))];
  if (dnat.length) return dnat.join(', ');
  const b = branches[0];
  return b && b.decidedBy ? b.verdict : '';
}

/** Traces a NEW packet from `o.src` to `o.dst` through the iptables-save / iptables-restore text `text`. */
export function traceIptablesSave(text: string, o: IptablesTraceOptions): IptablesTrace {
  const notes = new Set<string>();
  const noteList: string[] = [];
  const { spec, errors: optErrors } = checkOptions(o, noteList);
  const proto = o.proto ?? 'tcp';
  const base: IptablesTrace = {
    schema: IPTABLES_TRACE_SCHEMA,
    packet: { proto, src: proto === 'icmp' ? o.src : `${o.src}:${o.sport ?? 40000}`, dst: o.dport !== undefined ? `${o.dst}:${o.dport}` : o.dst },
    origin: spec && isLocal(spec, spec.src) ? 'local' : 'ingress',
    nodeIPs: [...(o.nodeIPs ?? [])],
    errors: [],
    notes: noteList,
    warnings: [],
    hooks: [],
    verdict: 'ACCEPT',
    decidedBy: null,
    dnat: [],
    masquerade: false,
    branches: [],
    truncated: false,
    output: '',
  };
  const ipsets = o.ipsets === undefined ? null : parseIpsetSave(o.ipsets);
  const sets: MatchState['ipsets'] = ipsets?.sets ?? new Map();
  if (ipsets) noteList.push(...ipsets.notes);
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
  // Nth-mode statistic keeps its counter in the rule (xt_statistic_priv): such a dump is loaded afresh per branch.
  const stateful = [...loaded.ruleset.tables.values()].some((t) => [...t.chains.values()].some((c) => c.rules.some((r) => r.matches.some((m) => m.module === 'statistic' && m.branchProbability === undefined))));
  const walks = new Map<EvalResult, Walk>();
  const limit = o.branchLimit ?? 1024;
  let first = true;
  const found = exploreBranches((decide) => {
    const env = first || !stateful ? loaded : load(text, o.lenientComments ?? false, sets).loaded!;
    first = false;
    const w = new Walk(env, spec, notes, decide);
    walkNode(w, spec);
    const token: EvalResult = { verdict: { kind: 'accept' }, decidedBy: null, notrack: false, events: [], steps: [], branches: [], matched: [] };
    walks.set(token, w);
    return token;
  }, limit);
  const branches = mergeBranches(found.map((b) => branchOf(walks.get(b.result)!, b.probability)));
  const b0 = branches[0];
  noteList.push(...notes);
  if (!b0) return base;
  return {
    ...base,
    hooks: b0.hooks,
    verdict: b0.verdict,
    decidedBy: b0.decidedBy,
    dnat: [...new Set(branches.map((b) => b.dnat).filter((d): d is string => d !== null))],
    masquerade: branches.some((b) => b.masquerade),
    branches,
    truncated: found.length >= limit,
    output: flowOutput(branches),
  };
}

export { formatIptablesTraceError, renderIptablesTraceJson, renderIptablesTraceText } from './render-iptables-trace.js';
