// `net trace --iptables-save` for IPv6: one NEW packet through one node's ip6tables-save dump. The kernel core
// (src/kernel, src/sim) is IPv4, so this walks the hooks directly instead of running a World, in the order
// Linux's IPv6 stack crosses them (net/ipv6/ip6_input.c ip6_rcv(), ip6_forward.c, ip6_output.c):
//   a packet coming in:   PREROUTING (raw, mangle, nat) -> ip6_route_input() -> INPUT (mangle, filter, nat)
//                         or FORWARD (mangle, filter) -> POSTROUTING (mangle, nat)
//   a node's own packet:  OUTPUT (raw, mangle, nat, filter) -> POSTROUTING (mangle, nat), and for a local
//                         destination back in over lo: PREROUTING (raw, mangle) -> INPUT (mangle, filter)
// Routing is "local or not": the destination (after DNAT) is local when it is ::1 or a --node-ip address.
// The connection is NEW: the nat table is consulted once per manip type (nf_nat_inet_fn() runs a nat chain
// only while !nf_nat_initialized(ct, maniptype): PREROUTING/OUTPUT for the destination, INPUT/POSTROUTING
// for the source), `--ctstate NEW` matches, RELATED/ESTABLISHED do not, `-m recent --rcheck` finds an empty
// list. Every `-m statistic --mode random` outcome is a branch, as the IPv4 trace explores them.

import type { HookWalk, IptablesProto, IptablesTrace, IptablesTraceError, IptablesTraceOptions, IptablesVerdict, MatchedRule } from './iptables-save-trace.js';
import type { NfHook } from '../kernel/netfilter/hooks.js';
import type { Ip6Match, Ip6Rule, Ip6Ruleset, Ip6Table } from './ip6tables-rules.js';
import { formatNat6Range, parseIp6tablesSave } from './ip6tables-rules.js';
import { formatIpv6Endpoint, ipv6InPrefix, parseIpv6 } from '../wire/ipv6-addr.js';
import { blankTrace, branchOf, flowOutput, mergeBranches } from './iptables-outcome.js';

const LOOPBACK = 1n;
const PROTO: Readonly<Record<IptablesProto, number>> = { tcp: 6, udp: 17, sctp: 132, icmp: 58 };
/** The ICMPv6 message an `icmp` trace sends: an echo request (type 128, code 0). */
const ECHO_REQUEST = 128;
/** Chains deeper than this are a loop the kernel would have refused at load (mark_source_chains()). */
const MAX_DEPTH = 64;

interface Spec {
  proto: IptablesProto;
  protoNum: number;
  src: bigint;
  dst: bigint;
  sport: number;
  dport: number;
  /** The node's IPv6 addresses (on the in/out device; ::1 is lo's). */
  local: bigint[];
  inIface: string;
  outIface: string;
  mark: number;
  masqMark: number;
}

interface Packet {
  src: bigint;
  dst: bigint;
  sport: number;
  dport: number;
  mark: number;
  dnatted: boolean;
  snatted: boolean;
}

function hex(n: number): string {
  return `0x${(n >>> 0).toString(16)}`;
}

function isLocal(spec: Spec, a: bigint): boolean {
  return a === LOOPBACK || spec.local.includes(a);
}

function ifaceMatches(f: { name: string; invert: boolean }, dev: string | null): boolean {
  const name = dev ?? '';
  const hit = f.name.endsWith('+') ? name.startsWith(f.name.slice(0, -1)) : name === f.name;
  return hit !== f.invert;
}

function targetName(r: Ip6Rule): string | null {
  const t = r.target;
  switch (t.kind) {
    case 'none': return null;
    case 'jump': case 'goto': return t.chain;
    case 'dnat': case 'snat': case 'masquerade': case 'redirect': case 'reject': case 'mark': return t.kind.toUpperCase();
    default: return t.kind.toUpperCase();
  }
}

/** One walk of the packet through the node, every random choice made by `decide`. */
class Walk6 {
  readonly hooks: HookWalk[] = [];
  dnat: string | null = null;
  snat: string | null = null;
  marked = false;
  masqueraded = false;
  readonly pkt: Packet;
  private readonly natDone = { dst: false, src: false };

  constructor(
    private readonly rs: Ip6Ruleset,
    private readonly spec: Spec,
    private readonly decide: (probability: number) => boolean,
  ) {
    this.pkt = { src: spec.src, dst: spec.dst, sport: spec.sport, dport: spec.dport, mark: spec.mark, dnatted: false, snatted: false };
  }

  get dst(): string {
    return this.endpoint(this.pkt.dst, this.pkt.dport);
  }

  private endpoint(a: bigint, port: number): string {
    return formatIpv6Endpoint(a, this.spec.proto === 'icmp' ? undefined : port);
  }

  private addrType(a: bigint, dev: string | null): string[] {
    if (a === 0n) return ['UNSPEC'];
    if (a >> 120n === 0xffn) return ['MULTICAST'];
    // addrtype_mt6(): ipv6_chk_addr() on the device (--limit-iface-*) or any; ::1 lives on lo, the node's
    // addresses on its other devices.
    const local = dev === null ? isLocal(this.spec, a) : dev === 'lo' ? a === LOOPBACK : this.spec.local.includes(a);
    return local ? ['LOCAL'] : ['UNICAST'];
  }

  private matchOne(m: Ip6Match, ctx: { in: string | null; out: string | null }): boolean {
    const p = this.pkt;
    switch (m.kind) {
      case 'always': return true;
      case 'ports': {
        if (this.spec.proto === 'icmp') return false;
        const inRange = (rs: readonly { min: number; max: number }[], port: number): boolean => rs.some((r) => port >= r.min && port <= r.max);
        if (m.dport && inRange(m.dport, p.dport) === m.dInvert) return false;
        if (m.sport && inRange(m.sport, p.sport) === m.sInvert) return false;
        return true;
      }
      case 'icmp6':
        if (this.spec.protoNum !== 58) return false;
        return m.type === null || ((m.type === ECHO_REQUEST && (m.code === null || m.code === 0)) !== m.invert);
      case 'addrtype': {
        const check = (t: { types: string[]; invert: boolean } | null, a: bigint, dev: string | null): boolean => {
          if (!t) return true;
          const have = this.addrType(a, dev);
          return t.types.some((x) => have.includes(x)) !== t.invert;
        };
        return check(m.src, p.src, m.limitIn ? ctx.in : m.limitOut ? ctx.out : null) && check(m.dst, p.dst, m.limitIn ? ctx.in : m.limitOut ? ctx.out : null);
      }
      case 'mark': return (((p.mark & m.mask) >>> 0) === m.value) !== m.invert;
      case 'ctstate': {
        const hit = m.states.some((s) => s === 'NEW' || (s === 'DNAT' && p.dnatted) || (s === 'SNAT' && p.snatted));
        return hit !== m.invert;
      }
      case 'statistic': return this.decide(m.probability);
      case 'recent': return m.mode === 'set';
    }
  }

  /** ip6_packet_match() and then each match in order (a failing match stops the rest, as the kernel does). */
  private matches(r: Ip6Rule, ctx: { in: string | null; out: string | null }): boolean {
    const p = this.pkt;
    if (r.src && ipv6InPrefix(p.src, r.src.addr, r.src.len) === r.src.invert) return false;
    if (r.dst && ipv6InPrefix(p.dst, r.dst.addr, r.dst.len) === r.dst.invert) return false;
    if (r.in && !ifaceMatches(r.in, ctx.in)) return false;
    if (r.out && !ifaceMatches(r.out, ctx.out)) return false;
    if (r.proto !== 0 && (this.spec.protoNum === r.proto) === r.protoInvert) return false;
    return r.matches.every((m) => this.matchOne(m, ctx));
  }

  /** ip6t_do_table() over one table's chain at one hook; false when the packet stops here. */
  runTable(table: Ip6Table, hook: NfHook, inDev: string | null, outDev: string | null): boolean {
    const chains = this.rs.tables.get(table);
    const base = chains?.get(hook);
    if (!chains || !base) return true;
    if (table === 'nat') {
      const manip = hook === 'PREROUTING' || hook === 'OUTPUT' ? 'dst' : 'src';
      if (this.natDone[manip]) return true;
      this.natDone[manip] = true;
    }
    const ctx = { in: inDev, out: outDev };
    const walk: HookWalk = {
      hook, table, in: inDev, out: outDev, src: this.endpoint(this.pkt.src, this.pkt.sport), dst: this.dst, chains: [hook], rules: [],
      verdict: 'ACCEPT', decidedBy: null, nat: null, mark: hex(this.pkt.mark),
    };
    this.hooks.push(walk);
    const stack: Array<{ chain: string; next: number }> = [];
    let chain: string = hook;
    let i = 0;
    for (;;) {
      const c = chains.get(chain)!;
      if (i >= c.rules.length) {
        const back = stack.pop();
        if (!back) break;
        chain = back.chain;
        i = back.next;
        continue;
      }
      const r = c.rules[i];
      const index = i + 1;
      i++;
      if (!this.matches(r, ctx)) continue;
      const m: MatchedRule = { table, chain, index, line: r.line, rule: r.text, comment: r.comment, target: targetName(r) };
      const stat = r.matches.find((x): x is Extract<Ip6Match, { kind: 'statistic' }> => x.kind === 'statistic');
      if (stat) m.probability = stat.probability;
      walk.rules.push(m);
      if (m.target === 'KUBE-MARK-MASQ') this.marked = true;
      const t = r.target;
      if (t.kind === 'none') continue;
      if (t.kind === 'mark') {
        // mark_tg(): skb->mark = (skb->mark & ~mask) ^ value; --or/--xor/--and-mark are such pairs.
        const v = t.value >>> 0;
        if (t.op === 'xset') this.pkt.mark = ((this.pkt.mark & ~t.mask) ^ v) >>> 0;
        else if (t.op === 'or') this.pkt.mark = (this.pkt.mark | v) >>> 0;
        else if (t.op === 'xor') this.pkt.mark = (this.pkt.mark ^ v) >>> 0;
        else this.pkt.mark = (this.pkt.mark & v) >>> 0;
        if ((this.pkt.mark & this.spec.masqMark) === this.spec.masqMark) this.marked = true;
        continue;
      }
      if (t.kind === 'return') {
        const back = stack.pop();
        if (!back) break;
        chain = back.chain;
        i = back.next;
        continue;
      }
      if (t.kind === 'jump' || t.kind === 'goto') {
        if (stack.length >= MAX_DEPTH) {
          walk.verdict = 'DROP';
          walk.decidedBy = m;
          return false;
        }
        if (t.kind === 'jump') stack.push({ chain, next: i });
        chain = t.chain;
        if (!walk.chains.includes(chain)) walk.chains.push(chain);
        i = 0;
        continue;
      }
      walk.decidedBy = m;
      if (t.kind === 'accept') break;
      if (t.kind === 'drop' || t.kind === 'reject') {
        walk.verdict = t.kind === 'drop' ? 'DROP' : 'REJECT';
        walk.mark = hex(this.pkt.mark);
        return false;
      }
      // The nat targets decide the binding and accept (nf_nat_setup_info(); NF_ACCEPT).
      this.nat(t, hook, walk);
      break;
    }
    walk.mark = hex(this.pkt.mark);
    // Off the end of the built-in chain (no rule decided): its policy.
    if (walk.decidedBy === null && walk.nat === null && base.policy === 'DROP') {
      walk.verdict = 'DROP';
      return false;
    }
    return true;
  }

  private nat(t: Extract<Ip6Rule['target'], { kind: 'dnat' | 'snat' | 'masquerade' | 'redirect' }>, hook: NfHook, walk: HookWalk): void {
    const p = this.pkt;
    const ports = this.spec.proto !== 'icmp';
    if (t.kind === 'dnat') {
      this.dnat = formatNat6Range(t.range);
      walk.nat = `DNAT ${this.dnat}`.trim();
      if (t.range.min !== null) p.dst = t.range.min;
      if (ports && t.range.ports) p.dport = t.range.ports.min;
      p.dnatted = true;
    } else if (t.kind === 'redirect') {
      // nf_nat_redirect_ipv6(): ::1 for a local packet, else the first address of the incoming device.
      p.dst = hook === 'OUTPUT' || this.spec.local.length === 0 ? LOOPBACK : this.spec.local[0];
      if (ports && t.ports) p.dport = t.ports.min;
      p.dnatted = true;
      this.dnat = this.dst;
      walk.nat = `REDIRECT ${this.dst}`;
    } else {
      this.masqueraded = true;
      p.snatted = true;
      if (t.kind === 'snat') {
        this.snat = formatNat6Range(t.range);
        walk.nat = `SNAT ${this.snat}`;
        if (t.range.min !== null) p.src = t.range.min;
        if (ports && t.range.ports) p.sport = t.range.ports.min;
      } else {
        this.snat = 'MASQUERADE';
        walk.nat = 'MASQUERADE';
      }
    }
  }

  /** The whole way through the node, stopping at a DROP or REJECT. */
  run(): void {
    const s = this.spec;
    const p = this.pkt;
    const hooks = (list: ReadonlyArray<readonly [Ip6Table, NfHook]>, inDev: () => string | null, outDev: () => string | null): boolean =>
      list.every(([t, h]) => this.runTable(t, h, inDev(), outDev()));
    const towards = (): string => (isLocal(s, p.dst) ? 'lo' : s.outIface);
    if (isLocal(s, s.src)) {
      // __ip6_local_out() -> OUTPUT; nat OUTPUT's DNAT re-routes (ip6_route_me_harder()) before filter.
      if (!hooks([['raw', 'OUTPUT'], ['mangle', 'OUTPUT'], ['nat', 'OUTPUT'], ['filter', 'OUTPUT']], () => null, towards)) return;
      if (!hooks([['mangle', 'POSTROUTING'], ['nat', 'POSTROUTING']], () => null, towards)) return;
      if (!isLocal(s, p.dst)) return;
      hooks([['raw', 'PREROUTING'], ['mangle', 'PREROUTING'], ['nat', 'PREROUTING'], ['mangle', 'INPUT'], ['filter', 'INPUT'], ['nat', 'INPUT']], () => 'lo', () => null);
      return;
    }
    if (!hooks([['raw', 'PREROUTING'], ['mangle', 'PREROUTING'], ['nat', 'PREROUTING']], () => s.inIface, () => null)) return;
    if (isLocal(s, p.dst)) {
      hooks([['mangle', 'INPUT'], ['filter', 'INPUT'], ['nat', 'INPUT']], () => s.inIface, () => null);
      return;
    }
    if (!hooks([['mangle', 'FORWARD'], ['filter', 'FORWARD']], () => s.inIface, () => s.outIface)) return;
    hooks([['mangle', 'POSTROUTING'], ['nat', 'POSTROUTING']], () => null, () => s.outIface);
  }
}

/** Is this trace one for the IPv6 walk: an IPv6 source or destination. */
export function isIpv6Trace(o: Pick<IptablesTraceOptions, 'src' | 'dst'>): boolean {
  return o.src.includes(':') || o.dst.includes(':');
}

function checkOptions(o: IptablesTraceOptions, notes: string[]): { spec: Spec | null; errors: IptablesTraceError[] } {
  const errors: IptablesTraceError[] = [];
  const bad = (message: string): void => void errors.push({ line: null, message });
  const proto = o.proto ?? 'tcp';
  if (!(proto in PROTO)) bad(`proto must be one of tcp, udp, sctp, icmp, got "${String(proto)}"`);
  const src = parseIpv6(o.src);
  if (src === undefined) bad(`src must be an IPv6 address like fd00:10::2 (an IPv6 trace: both ends IPv6), got "${o.src}"`);
  const dst = parseIpv6(o.dst);
  if (dst === undefined) bad(`dst must be an IPv6 address like fd00:172:30::41 (an IPv6 trace: both ends IPv6), got "${o.dst}"`);
  const port = (name: string, v: number | undefined): void => {
    if (v !== undefined && !(Number.isInteger(v) && v >= 1 && v <= 65535)) bad(`${name} must be in 1..65535, got ${v}`);
  };
  port('dport', o.dport);
  port('sport', o.sport);
  if (proto !== 'icmp' && o.dport === undefined) bad(`${proto} needs a destination port`);
  const local: bigint[] = [];
  for (const ip of o.nodeIPs ?? []) {
    const a = parseIpv6(ip);
    if (a !== undefined) local.push(a);
    else if (/^[0-9.]+$/.test(ip)) notes.push(`node IP ${ip} ignored: an IPv4 address is not seen by ip6tables`);
    else bad(`node IP must be an IP address, got "${ip}"`);
  }
  for (const [flag, dev] of [['in-iface', o.inIface], ['out-iface', o.outIface]] as const) {
    if (dev === undefined) continue;
    if (dev === 'lo') bad(`--${flag} lo: the node's loopback is used by the packet path itself (a node's packet to its own address); give the device the packet ${flag === 'in-iface' ? 'comes in' : 'leaves'} by`);
    else if (new TextEncoder().encode(dev).length > 15 || dev === '' || dev === '.' || dev === '..' || /[/:\s+]/.test(dev)) {
      bad(`--${flag} must be a device name (1 to 15 bytes, no '/', ':', '+' or blanks), got "${dev}"`);
    }
  }
  if (o.ipsets !== undefined) notes.push('the ipsets are not used: the IPv6 rule walk does not model -m set');
  if (proto === 'icmp') notes.push('icmp over IPv6 is an ICMPv6 echo request (-p ipv6-icmp, type 128)');
  if (errors.length || src === undefined || dst === undefined) return { spec: null, errors };
  return {
    spec: {
      proto, protoNum: PROTO[proto], src, dst, sport: o.sport ?? 40000, dport: o.dport ?? 0, local, inIface: o.inIface ?? 'eth0',
      outIface: o.outIface ?? 'eth0', mark: (o.mark ?? 0) >>> 0, masqMark: o.masqueradeMark ?? 0x4000,
    },
    errors,
  };
}

/** Chains with rules that no built-in chain of their table reaches, as `table CHAIN`. */
function unreachable(rs: Ip6Ruleset): string[] {
  const out: string[] = [];
  for (const [name, chains] of rs.tables) {
    const seen = new Set<string>();
    const todo = [...chains.values()].filter((c) => c.policy !== null).map((c) => c.name);
    while (todo.length) {
      const c = todo.pop()!;
      if (seen.has(c)) continue;
      seen.add(c);
      for (const r of chains.get(c)?.rules ?? []) if (r.target.kind === 'jump' || r.target.kind === 'goto') todo.push(r.target.chain);
    }
    for (const c of chains.values()) if (!seen.has(c.name) && c.rules.length > 0) out.push(`${name} ${c.name}`);
  }
  return out;
}

/** Traces a NEW IPv6 packet from `o.src` to `o.dst` through the ip6tables-save / ip6tables-restore text `text`. */
export function traceIp6tablesSave(text: string, o: IptablesTraceOptions): IptablesTrace {
  const notes: string[] = [];
  const { spec, errors: optErrors } = checkOptions(o, notes);
  const proto = o.proto ?? 'tcp';
  const srcAddr = parseIpv6(o.src);
  const dstAddr = parseIpv6(o.dst);
  const show = (a: bigint | undefined, raw: string, port: number | undefined): string => (a === undefined ? raw : formatIpv6Endpoint(a, proto === 'icmp' ? undefined : port));
  const base = blankTrace(
    { proto, src: show(srcAddr, o.src, o.sport ?? 40000), dst: show(dstAddr, o.dst, o.dport) },
    spec && isLocal(spec, spec.src) ? 'local' : 'ingress',
    o.nodeIPs ?? [],
    notes,
  );
  const parsed = parseIp6tablesSave(text, { lenientComments: o.lenientComments });
  base.errors = [...parsed.errors.map((e): IptablesTraceError => (e.column ? { line: e.line, column: e.column, message: e.message } : { line: e.line, message: e.message })), ...optErrors];
  if (base.errors.length === 0 && parsed.ruleset.tables.size === 0) {
    const first = text.split('\n').findIndex((l) => l.trim() !== '');
    base.errors.push({ line: first < 0 ? 1 : first + 1, column: 1, message: first < 0 ? 'empty: no table to trace through (ip6tables-save prints `*filter` ... `COMMIT` blocks)' : 'no table: only comments (ip6tables-save prints `*filter` ... `COMMIT` blocks)' });
  }
  if (!spec || base.errors.length) return base;
  const names = unreachable(parsed.ruleset);
  if (names.length) {
    const shown = names.length > 6 ? `${names.slice(0, 6).join(', ')} and ${names.length - 6} more` : names.join(', ');
    base.warnings.push(`no built-in chain jumps to ${shown}: the rules in ${names.length === 1 ? 'it' : 'them'} cannot match any packet (is a -A PREROUTING / INPUT / FORWARD / OUTPUT ... -j line missing?)`);
  }
  notes.push('IPv6: the rule walk of ip6tables-save-trace.ts (hooks in the kernel\'s order, routing only "local or not"), not a run of the IPv4 kernel core');
  const limit = o.branchLimit ?? 1024;
  // Every sequence of random choices, depth first: the first walk takes every random match, then each
  // untaken alternative is walked in turn (as the IPv4 trace's exploration does).
  const pending: boolean[][] = [[]];
  const found: Array<{ walk: Walk6; probability: number }> = [];
  while (pending.length > 0 && found.length < limit) {
    const prefix = pending.pop()!;
    const taken: boolean[] = [];
    let p = 1;
    const w = new Walk6(parsed.ruleset, spec, (prob) => {
      const i = taken.length;
      const choice = prob >= 1 ? true : prob <= 0 ? false : i < prefix.length ? prefix[i] : true;
      if (i >= prefix.length && prob > 0 && prob < 1) pending.push([...taken, false]);
      taken.push(choice);
      p *= prob >= 1 || prob <= 0 ? 1 : choice ? prob : 1 - prob;
      return choice;
    });
    w.run();
    found.push({ walk: w, probability: p });
  }
  const branches = mergeBranches(found.map((b) => branchOf(b.walk, b.probability)));
  const b0 = branches[0];
  if (!b0) return base;
  if (branches.every((b) => b.hooks.length === 0)) notes.push('the packet crossed none of the node\'s netfilter hooks (its tables have no chain for the hooks it took)');
  const verdict: IptablesVerdict = b0.verdict;
  return {
    ...base,
    hooks: b0.hooks,
    verdict,
    decidedBy: b0.decidedBy,
    dnat: [...new Set(branches.map((b) => b.dnat).filter((d): d is string => d !== null))],
    masquerade: branches.some((b) => b.masquerade),
    branches,
    truncated: pending.length > 0,
    output: flowOutput(branches),
  };
}

