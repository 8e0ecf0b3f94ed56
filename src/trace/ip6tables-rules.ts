// An ip6tables-save dump (or ip6tables-restore --noflush input) as rules the IPv6 rule walk can evaluate:
// the subset of ip6tables that kube-proxy and common node firewalls write. The kernel core is IPv4
// (src/kernel/netfilter); this is a separate, family-specific model: `struct ip6t_ip6` with 128-bit
// addresses (ip6_packet_match() in net/ipv6/netfilter/ip6_tables.c), the matches and targets below with
// their libxtables option syntax (libxt_*.c, libip6t_*.c). Words are split as iptables-restore splits them
// (kernel/netfilter/tokenize.ts), protocols named as xtables_parse_protocol() names them.
// A line or option outside the subset is an error with its line and column, never silently ignored.

import { splitWords } from '../kernel/netfilter/tokenize.js';
import type { Word } from '../kernel/netfilter/tokenize.js';
import { parseProtocol } from '../kernel/netfilter/protocols.js';
import { formatIpv6, ipv6PrefixMask, parseIpv6 } from '../wire/ipv6-addr.js';

export type Ip6Table = 'raw' | 'mangle' | 'nat' | 'filter';

export interface Ip6Error {
  line: number;
  column?: number;
  message: string;
}

/** `-s` / `-d`: the network (host bits cleared, as xtables_ip6parse_multiple() stores it) and its length. */
export interface Addr6Filter {
  addr: bigint;
  len: number;
  invert: boolean;
}

export interface PortRange {
  min: number;
  max: number;
}

export type Ip6Match =
  | { kind: 'ports'; module: string; dport: PortRange[] | null; sport: PortRange[] | null; dInvert: boolean; sInvert: boolean }
  | { kind: 'addrtype'; src: { types: string[]; invert: boolean } | null; dst: { types: string[]; invert: boolean } | null; limitIn: boolean; limitOut: boolean }
  | { kind: 'mark'; value: number; mask: number; invert: boolean }
  | { kind: 'ctstate'; states: string[]; invert: boolean }
  | { kind: 'statistic'; probability: number }
  | { kind: 'recent'; mode: 'check' | 'set' }
  | { kind: 'icmp6'; type: number | null; code: number | null; invert: boolean }
  | { kind: 'always'; module: string };

/** A NAT address range with its optional port range, as `--to-destination` / `--to-source` write it. */
export interface Nat6Range {
  min: bigint | null;
  max: bigint | null;
  ports: PortRange | null;
}

export type Ip6Target =
  | { kind: 'none' }
  | { kind: 'accept' }
  | { kind: 'drop' }
  | { kind: 'return' }
  | { kind: 'jump'; chain: string }
  | { kind: 'goto'; chain: string }
  | { kind: 'reject'; with: string }
  | { kind: 'dnat'; range: Nat6Range }
  | { kind: 'snat'; range: Nat6Range }
  | { kind: 'masquerade'; ports: PortRange | null }
  | { kind: 'redirect'; ports: PortRange | null }
  | { kind: 'mark'; value: number; mask: number; op: 'xset' | 'or' | 'xor' | 'and' };

export interface Ip6Rule {
  line: number;
  /** The rule as written in the dump, as `-A CHAIN ...` (an `-I CHAIN N` line too). */
  text: string;
  src: Addr6Filter | null;
  dst: Addr6Filter | null;
  in: { name: string; invert: boolean } | null;
  out: { name: string; invert: boolean } | null;
  /** `-p` protocol number, 0 for any. */
  proto: number;
  protoInvert: boolean;
  matches: Ip6Match[];
  target: Ip6Target;
  comment: string | null;
}

export interface Ip6Chain {
  name: string;
  /** Built-in chains have a policy. */
  policy: 'ACCEPT' | 'DROP' | null;
  rules: Ip6Rule[];
}

export interface Ip6Ruleset {
  tables: Map<Ip6Table, Map<string, Ip6Chain>>;
}

export const BUILTIN_CHAINS: Readonly<Record<Ip6Table, readonly string[]>> = {
  raw: ['PREROUTING', 'OUTPUT'],
  mangle: ['PREROUTING', 'INPUT', 'FORWARD', 'OUTPUT', 'POSTROUTING'],
  nat: ['PREROUTING', 'INPUT', 'OUTPUT', 'POSTROUTING'],
  filter: ['INPUT', 'FORWARD', 'OUTPUT'],
};

/** libip6t_REJECT's reject_table: accepted names and the name ip6tables-save prints. */
const REJECT_WITH: Readonly<Record<string, string>> = {
  'icmp6-no-route': 'icmp6-no-route', 'no-route': 'icmp6-no-route',
  'icmp6-adm-prohibited': 'icmp6-adm-prohibited', 'adm-prohibited': 'icmp6-adm-prohibited',
  'icmp6-addr-unreachable': 'icmp6-addr-unreachable', 'addr-unreach': 'icmp6-addr-unreachable',
  'icmp6-port-unreachable': 'icmp6-port-unreachable', 'port-unreach': 'icmp6-port-unreachable',
  'icmp6-policy-fail': 'icmp6-policy-fail', 'policy-fail': 'icmp6-policy-fail',
  'icmp6-reject-route': 'icmp6-reject-route', 'reject-route': 'icmp6-reject-route',
  'tcp-reset': 'tcp-reset',
};

/** libip6t_icmp6's icmpv6_codes (the names kube-proxy and firewalls use). */
const ICMP6_TYPES: Readonly<Record<string, number>> = {
  'destination-unreachable': 1, 'packet-too-big': 2, 'time-exceeded': 3, 'parameter-problem': 4, 'echo-request': 128,
  'echo-reply': 129, 'router-solicitation': 133, 'router-advertisement': 134, 'neighbour-solicitation': 135,
  'neighbor-solicitation': 135, 'neighbour-advertisement': 136, 'neighbor-advertisement': 136, redirect: 137,
};

const ADDR_TYPES = new Set(['UNSPEC', 'UNICAST', 'LOCAL', 'BROADCAST', 'ANYCAST', 'MULTICAST', 'BLACKHOLE', 'UNREACHABLE', 'PROHIBIT', 'THROW', 'NAT', 'XRESOLVE']);
const CT_STATES = new Set(['INVALID', 'NEW', 'ESTABLISHED', 'RELATED', 'UNTRACKED', 'SNAT', 'DNAT']);
const NAT_TARGETS = new Set(['DNAT', 'SNAT', 'MASQUERADE', 'REDIRECT']);

/** xtables_parse_protocol() for ip6tables: names, numbers, and libxtables' `icmpv6` alias of ipv6-icmp. */
export function parseProtocol6(text: string): number | undefined {
  return text.toLowerCase() === 'icmpv6' ? 58 : parseProtocol(text);
}

/** `-s`/`-d` as ip6tables-save prints it: `addr/len`. */
export function formatAddr6Filter(f: Addr6Filter): string {
  return `${formatIpv6(f.addr)}/${f.len}`;
}

function parseAddr6(text: string): { addr: bigint; len: number } | string {
  const slash = text.indexOf('/');
  const host = slash < 0 ? text : text.slice(0, slash);
  let len = 128;
  if (slash >= 0) {
    const m = text.slice(slash + 1);
    if (!/^[0-9]{1,3}$/.test(m) || Number.parseInt(m, 10) > 128) return `invalid mask \`${m}' specified`;
    len = Number.parseInt(m, 10);
  }
  const addr = parseIpv6(host);
  if (addr === undefined) return `host/network \`${host}' not found`;
  return { addr: addr & ipv6PrefixMask(len), len };
}

function parsePort(text: string): number | undefined {
  if (!/^[0-9]{1,5}$/.test(text)) return undefined;
  const n = Number.parseInt(text, 10);
  return n <= 65535 ? n : undefined;
}

/** `P` or `P:Q` (xtables_parse_port ranges); `P-Q` in NAT ranges. */
function parsePortRange(text: string, sep: string): PortRange | string {
  const parts = text.split(sep);
  if (parts.length > 2) return `invalid port/service \`${text}' specified`;
  const min = parsePort(parts[0]);
  const max = parts.length === 2 ? parsePort(parts[1]) : min;
  if (min === undefined || max === undefined) return `invalid port/service \`${text}' specified`;
  if (min > max) return `invalid portrange (min > max) \`${text}'`;
  return { min, max };
}

/** xtables_strtoui() for marks: decimal, 0x hex or 0 octal, 32 bits. */
function parseU32(text: string): number | undefined {
  let n: number;
  if (/^0[xX][0-9a-fA-F]+$/.test(text)) n = Number.parseInt(text.slice(2), 16);
  else if (/^0[0-7]+$/.test(text)) n = Number.parseInt(text.slice(1), 8);
  else if (/^[0-9]+$/.test(text)) n = Number.parseInt(text, 10);
  else return undefined;
  return n <= 0xffffffff ? n : undefined;
}

function parseMarkMask(text: string): { value: number; mask: number } | undefined {
  const [v, m, extra] = text.split('/');
  const value = parseU32(v);
  const mask = m === undefined ? 0xffffffff : parseU32(m);
  if (extra !== undefined || value === undefined || mask === undefined) return undefined;
  return { value, mask };
}

/** libip6t_DNAT / SNAT: `[addr]`, `[addr]:port[-port]`, `addr`, `addr-addr`, `[a-b]:p`. */
export function parseNat6Range(text: string): Nat6Range | string {
  let addrs = text;
  let ports: PortRange | null = null;
  if (text.startsWith('[')) {
    const close = text.indexOf(']');
    if (close < 0) return `Invalid address range \`${text}': missing ']'`;
    addrs = text.slice(1, close);
    const rest = text.slice(close + 1);
    if (rest !== '') {
      if (!rest.startsWith(':')) return `Invalid port:port syntax in \`${text}'`;
      const p = parsePortRange(rest.slice(1), '-');
      if (typeof p === 'string') return `Port \`${rest.slice(1)}' not valid`;
      ports = p;
    }
  }
  if (addrs === '') return { min: null, max: null, ports };
  const [a, b, extra] = addrs.split('-');
  const min = parseIpv6(a);
  const max = b === undefined ? min : parseIpv6(b);
  if (extra !== undefined || min === undefined || max === undefined) return `Bad IP address \`${addrs}'`;
  return { min, max, ports };
}

/** A NAT range as ip6tables-save prints it (and kube-proxy's tracer reports it). */
export function formatNat6Range(r: Nat6Range): string {
  const ports = r.ports ? (r.ports.min === r.ports.max ? `${r.ports.min}` : `${r.ports.min}-${r.ports.max}`) : null;
  const addrs = r.min === null ? '' : r.max !== null && r.max !== r.min ? `${formatIpv6(r.min)}-${formatIpv6(r.max)}` : formatIpv6(r.min);
  return ports === null ? addrs : `[${addrs}]:${ports}`;
}

/** What one option word of the rule did; a string is the error. */
type OptResult = string | undefined;

/** Options of each match module this model knows, and how many words each takes. */
const MATCH_OPTIONS: Readonly<Record<string, Readonly<Record<string, number>>>> = {
  tcp: { '--dport': 1, '--destination-port': 1, '--sport': 1, '--source-port': 1 },
  udp: { '--dport': 1, '--destination-port': 1, '--sport': 1, '--source-port': 1 },
  sctp: { '--dport': 1, '--destination-port': 1, '--sport': 1, '--source-port': 1 },
  multiport: { '--dports': 1, '--destination-ports': 1, '--sports': 1, '--source-ports': 1 },
  icmp6: { '--icmpv6-type': 1 },
  comment: { '--comment': 1 },
  nfacct: { '--nfacct-name': 1 },
  addrtype: { '--src-type': 1, '--dst-type': 1, '--limit-iface-in': 0, '--limit-iface-out': 0 },
  mark: { '--mark': 1 },
  conntrack: { '--ctstate': 1 },
  state: { '--state': 1 },
  statistic: { '--mode': 1, '--probability': 1 },
  recent: { '--name': 1, '--rcheck': 0, '--set': 0, '--update': 0, '--seconds': 1, '--reap': 0, '--hitcount': 1, '--mask': 1, '--rsource': 0, '--rdest': 0 },
};

const TARGET_OPTIONS: Readonly<Record<string, Readonly<Record<string, number>>>> = {
  ACCEPT: {}, DROP: {}, RETURN: {},
  REJECT: { '--reject-with': 1 },
  DNAT: { '--to-destination': 1, '--random': 0, '--persistent': 0 },
  SNAT: { '--to-source': 1, '--random': 0, '--random-fully': 0, '--persistent': 0 },
  MASQUERADE: { '--to-ports': 1, '--random': 0, '--random-fully': 0 },
  REDIRECT: { '--to-ports': 1, '--random': 0 },
  MARK: { '--set-xmark': 1, '--set-mark': 1, '--or-mark': 1, '--xor-mark': 1, '--and-mark': 1 },
};

/** The protocol match `-p NAME` loads implicitly (load_proto()). */
function protoModule(proto: number): string | null {
  return proto === 6 ? 'tcp' : proto === 17 ? 'udp' : proto === 132 ? 'sctp' : proto === 58 ? 'icmp6' : null;
}

interface Building {
  module: string;
  word: Word;
  opts: Map<string, { args: string[]; invert: boolean; word: Word }>;
}

class RuleParser {
  readonly rule: Ip6Rule;
  private readonly mods: Building[] = [];
  private target: Building | null = null;
  private targetName: string | null = null;

  constructor(
    line: number,
    text: string,
    private readonly table: Ip6Table,
    private readonly chainExists: (name: string) => boolean,
    private readonly lenient: boolean,
  ) {
    this.rule = { line, text, src: null, dst: null, in: null, out: null, proto: 0, protoInvert: false, matches: [], target: { kind: 'none' }, comment: null };
  }

  /** Parses the rule-spec words (after `-A CHAIN`); the first error, located at its word. */
  parse(words: readonly Word[]): Ip6Error | null {
    const err = (w: Word, message: string): Ip6Error => ({ line: this.rule.line, column: w.col, message });
    let invert = false;
    for (let i = 0; i < words.length; i++) {
      const w = words[i];
      const arg = (): Word | undefined => words[++i];
      if (w.text === '!') {
        if (invert) return err(w, 'multiple `!\' flags not allowed');
        invert = true;
        continue;
      }
      const inv = invert;
      invert = false;
      const need = (): Word | Ip6Error => arg() ?? err(w, `option "${w.text}" requires an argument`);
      switch (w.text) {
        case '-s': case '--source': case '--src': case '-d': case '--destination': case '--dst': {
          const a = need();
          if ('message' in a) return a;
          if (a.text.includes(',')) return err(a, 'several addresses in one -s/-d: give one (the IPv6 walk takes ip6tables-save output, one per rule)');
          const p = parseAddr6(a.text);
          if (typeof p === 'string') return err(a, p);
          const f = { ...p, invert: inv };
          if (w.text.startsWith('-s') || w.text.startsWith('--s')) this.rule.src = f;
          else this.rule.dst = f;
          continue;
        }
        case '-i': case '--in-interface': case '-o': case '--out-interface': {
          const a = need();
          if ('message' in a) return a;
          if (a.text.length > 15) return err(a, `interface name \`${a.text}' must be shorter than IFNAMSIZ (15)`);
          if (w.text === '-i' || w.text === '--in-interface') this.rule.in = { name: a.text, invert: inv };
          else this.rule.out = { name: a.text, invert: inv };
          continue;
        }
        case '-p': case '--protocol': {
          const a = need();
          if ('message' in a) return a;
          const n = parseProtocol6(a.text);
          if (n === undefined) return err(a, `unknown protocol "${a.text}" specified`);
          this.rule.proto = n;
          this.rule.protoInvert = inv;
          continue;
        }
        case '-m': case '--match': {
          const a = need();
          if ('message' in a) return a;
          if (!(a.text in MATCH_OPTIONS)) return err(a, `match \`${a.text}' is not modelled by the IPv6 rule walk (it knows ${Object.keys(MATCH_OPTIONS).join(', ')})`);
          this.mods.push({ module: a.text, word: a, opts: new Map() });
          continue;
        }
        case '-j': case '--jump': case '-g': case '--goto': {
          const a = need();
          if ('message' in a) return a;
          if (this.targetName !== null) return err(w, 'multiple -j flags not allowed');
          this.targetName = a.text;
          if (w.text === '-g' || w.text === '--goto') {
            if (!this.chainExists(a.text)) return err(a, `goto to a chain that does not exist: \`${a.text}'`);
            this.rule.target = { kind: 'goto', chain: a.text };
          } else if (a.text in TARGET_OPTIONS) {
            if (NAT_TARGETS.has(a.text) && this.table !== 'nat') return err(a, `${a.text} target: only valid in nat table, not ${this.table}`);
            this.target = { module: a.text, word: a, opts: new Map() };
          } else if (this.chainExists(a.text)) this.rule.target = { kind: 'jump', chain: a.text };
          else return err(a, `Couldn't load target \`${a.text}':No such file or directory`);
          continue;
        }
        default:
          break;
      }
      if (!w.text.startsWith('--')) return err(w, `Bad argument \`${w.text}'`);
      // The most recent module that declares the option (xtables_merge_options(): newer first), else the
      // protocol's match, loaded the way load_proto() loads it.
      let owner: Building | undefined = this.target && w.text in TARGET_OPTIONS[this.target.module] ? this.target : undefined;
      owner ??= [...this.mods].reverse().find((m) => w.text in MATCH_OPTIONS[m.module]);
      if (!owner) {
        const pm = protoModule(this.rule.proto);
        if (pm !== null && w.text in MATCH_OPTIONS[pm]) {
          owner = { module: pm, word: w, opts: new Map() };
          this.mods.push(owner);
        }
      }
      if (!owner) return err(w, `unknown option "${w.text}"`);
      const spec = owner === this.target ? TARGET_OPTIONS[owner.module] : MATCH_OPTIONS[owner.module];
      const args: string[] = [];
      for (let k = 0; k < spec[w.text]; k++) {
        const a = arg();
        if (!a) return err(w, `option "${w.text}" requires an argument`);
        args.push(a.text);
      }
      if (this.lenient && w.text === '--comment') while (i + 1 < words.length && !words[i + 1].text.startsWith('-') && words[i + 1].text !== '!') args[0] += ` ${words[++i].text}`;
      if (owner.opts.has(w.text)) return err(w, `${owner.module}: option "${w.text}" can only be used once`);
      owner.opts.set(w.text, { args, invert: inv, word: w });
    }
    if (invert) return err(words[words.length - 1], 'no argument following `!\'');
    for (const m of this.mods) {
      const r = this.finishMatch(m);
      if (r !== undefined) return err(m.word, r);
    }
    if (this.target) {
      const r = this.finishTarget(this.target);
      if (r !== undefined) return err(this.target.word, r);
    }
    return null;
  }

  private finishMatch(m: Building): OptResult {
    const o = (name: string): { args: string[]; invert: boolean } | undefined => m.opts.get(name);
    const r = this.rule;
    switch (m.module) {
      case 'tcp': case 'udp': case 'sctp': case 'multiport': {
        const num = m.module === 'tcp' ? 6 : m.module === 'udp' ? 17 : m.module === 'sctp' ? 132 : 0;
        if (num !== 0 && (r.proto !== num || r.protoInvert)) return `${m.module} match: needs \`-p ${m.module}'`;
        if (num === 0 && ![6, 17, 132].includes(r.proto)) return 'multiport needs `-p tcp\', `-p udp\', `-p udplite\', `-p sctp\' or `-p dccp\'';
        const list = (v: { args: string[] } | undefined): PortRange[] | string | null => {
          if (!v) return null;
          const out: PortRange[] = [];
          for (const item of num === 0 ? v.args[0].split(',') : [v.args[0]]) {
            const p = parsePortRange(item, ':');
            if (typeof p === 'string') return p;
            out.push(p);
          }
          return out;
        };
        const dv = o('--dport') ?? o('--destination-port') ?? o('--dports') ?? o('--destination-ports');
        const sv = o('--sport') ?? o('--source-port') ?? o('--sports') ?? o('--source-ports');
        const d = list(dv);
        const s = list(sv);
        if (typeof d === 'string') return d;
        if (typeof s === 'string') return s;
        r.matches.push({ kind: 'ports', module: m.module, dport: d, sport: s, dInvert: dv?.invert ?? false, sInvert: sv?.invert ?? false });
        return undefined;
      }
      case 'icmp6': {
        if (r.proto !== 58) return 'icmp6 match: needs `-p ipv6-icmp\'';
        const t = o('--icmpv6-type');
        if (!t) {
          r.matches.push({ kind: 'icmp6', type: null, code: null, invert: false });
          return undefined;
        }
        const [name, codeText] = t.args[0].split('/');
        const type = name in ICMP6_TYPES ? ICMP6_TYPES[name] : /^[0-9]+$/.test(name) && Number(name) <= 255 ? Number(name) : undefined;
        const code = codeText === undefined ? null : /^[0-9]+$/.test(codeText) && Number(codeText) <= 255 ? Number(codeText) : undefined;
        if (type === undefined || code === undefined) return `Invalid ICMPv6 type \`${t.args[0]}'`;
        r.matches.push({ kind: 'icmp6', type, code, invert: t.invert });
        return undefined;
      }
      case 'comment': {
        const c = o('--comment');
        if (!c) return 'comment: option "--comment" must be specified';
        r.comment = c.args[0];
        r.matches.push({ kind: 'always', module: 'comment' });
        return undefined;
      }
      case 'nfacct':
        if (!o('--nfacct-name')) return 'nfacct: option "--nfacct-name" must be specified';
        r.matches.push({ kind: 'always', module: 'nfacct' });
        return undefined;
      case 'addrtype': {
        const types = (v: { args: string[]; invert: boolean } | undefined): { types: string[]; invert: boolean } | string | null => {
          if (!v) return null;
          const ts = v.args[0].split(',');
          const bad = ts.find((t) => !ADDR_TYPES.has(t));
          return bad !== undefined ? `addrtype: unknown type "${bad}"` : { types: ts, invert: v.invert };
        };
        const src = types(o('--src-type'));
        const dst = types(o('--dst-type'));
        if (typeof src === 'string') return src;
        if (typeof dst === 'string') return dst;
        r.matches.push({ kind: 'addrtype', src, dst, limitIn: o('--limit-iface-in') !== undefined, limitOut: o('--limit-iface-out') !== undefined });
        return undefined;
      }
      case 'mark': {
        const v = o('--mark');
        if (!v) return 'mark: option "--mark" must be specified';
        const mm = parseMarkMask(v.args[0]);
        if (!mm) return `Bad mark value "${v.args[0]}"`;
        r.matches.push({ kind: 'mark', ...mm, invert: v.invert });
        return undefined;
      }
      case 'conntrack': case 'state': {
        const v = o(m.module === 'state' ? '--state' : '--ctstate');
        if (!v) return `${m.module}: no state given`;
        const states = v.args[0].split(',');
        const bad = states.find((s) => !CT_STATES.has(s) || (m.module === 'state' && (s === 'SNAT' || s === 'DNAT')));
        if (bad !== undefined) return `Bad ctstate "${bad}"`;
        r.matches.push({ kind: 'ctstate', states, invert: v.invert });
        return undefined;
      }
      case 'statistic': {
        const mode = o('--mode')?.args[0];
        if (mode !== 'random') return 'statistic: the IPv6 rule walk models --mode random only';
        const p = o('--probability');
        const prob = p ? Number(p.args[0]) : NaN;
        if (!p || !Number.isFinite(prob) || prob < 0 || prob > 1) return `statistic: --probability must be between 0 and 1${p ? `, got "${p.args[0]}"` : ''}`;
        // xt_statistic stores it scaled to 2^31 (libxt_statistic: lround(0x80000000 * prob)).
        r.matches.push({ kind: 'statistic', probability: Math.round(0x80000000 * prob) / 0x80000000 });
        return undefined;
      }
      case 'recent': {
        const modes = ['--rcheck', '--update', '--set', '--remove'].filter((k) => m.opts.has(k));
        if (modes.length > 1) return 'recent: only one of `--set\', `--rcheck\' `--update\' or `--remove\' may be set';
        r.matches.push({ kind: 'recent', mode: modes[0] === '--set' ? 'set' : 'check' });
        return undefined;
      }
      default:
        return `match \`${m.module}' is not modelled`;
    }
  }

  private finishTarget(t: Building): OptResult {
    const o = (name: string): string | undefined => t.opts.get(name)?.args[0];
    const r = this.rule;
    const portsNeedProto = (): boolean => ![6, 17, 132, 33].includes(r.proto);
    switch (t.module) {
      case 'ACCEPT': r.target = { kind: 'accept' }; return undefined;
      case 'DROP': r.target = { kind: 'drop' }; return undefined;
      case 'RETURN': r.target = { kind: 'return' }; return undefined;
      case 'REJECT': {
        const w = o('--reject-with') ?? 'icmp6-port-unreachable';
        const name = REJECT_WITH[w];
        if (name === undefined) return `unknown reject type "${w}"`;
        if (name === 'tcp-reset' && (r.proto !== 6 || r.protoInvert)) return 'TCP RST can only be used with tcp (-p tcp)';
        r.target = { kind: 'reject', with: name };
        return undefined;
      }
      case 'DNAT': case 'SNAT': {
        const opt = t.module === 'DNAT' ? '--to-destination' : '--to-source';
        const v = o(opt);
        if (v === undefined) return `${t.module}: option "${opt}" must be specified`;
        const range = parseNat6Range(v);
        if (typeof range === 'string') return range;
        if (range.ports && portsNeedProto()) return 'Need TCP, UDP, SCTP or DCCP with port specification';
        r.target = { kind: t.module === 'DNAT' ? 'dnat' : 'snat', range };
        return undefined;
      }
      case 'MASQUERADE': case 'REDIRECT': {
        const v = o('--to-ports');
        let ports: PortRange | null = null;
        if (v !== undefined) {
          const p = parsePortRange(v, '-');
          if (typeof p === 'string') return p;
          if (portsNeedProto()) return 'Need TCP, UDP, SCTP or DCCP with port specification';
          ports = p;
        }
        r.target = { kind: t.module === 'MASQUERADE' ? 'masquerade' : 'redirect', ports };
        return undefined;
      }
      case 'MARK': {
        const given = [...t.opts.keys()];
        if (given.length !== 1) return 'MARK target: exactly one of --set-xmark, --set-mark, --or-mark, --and-mark, --xor-mark is required';
        const k = given[0];
        const text = o(k)!;
        const mm = k === '--set-xmark' || k === '--set-mark' ? parseMarkMask(text) : (() => {
          const v = parseU32(text);
          return v === undefined ? undefined : { value: v, mask: 0 };
        })();
        if (!mm) return `Bad MARK value "${text}"`;
        // libxt_MARK mark_tg_parse(): --set-mark V/M is --set-xmark V/(M|V); or/xor/and are xset forms too.
        if (k === '--set-xmark') r.target = { kind: 'mark', op: 'xset', value: mm.value, mask: mm.mask };
        else if (k === '--set-mark') r.target = { kind: 'mark', op: 'xset', value: mm.value, mask: (mm.mask | mm.value) >>> 0 };
        else r.target = { kind: 'mark', op: k === '--or-mark' ? 'or' : k === '--xor-mark' ? 'xor' : 'and', value: mm.value, mask: 0 };
        return undefined;
      }
      default:
        return `target \`${t.module}' is not modelled`;
    }
  }
}

function isTable(name: string): name is Ip6Table {
  return name in BUILTIN_CHAINS;
}

/**
 * Reads an ip6tables-save dump, or ip6tables-restore --noflush input: a `:CHAIN` line creates the chain or
 * flushes it, `-A` appends, `-I CHAIN [N]` inserts; a table may come back in a later block.
 */
export function parseIp6tablesSave(text: string, opts: { lenientComments?: boolean } = {}): { ruleset: Ip6Ruleset; errors: Ip6Error[] } {
  const ruleset: Ip6Ruleset = { tables: new Map() };
  const errors: Ip6Error[] = [];
  let table: Ip6Table | null = null;
  let chains: Map<string, Ip6Chain> | null = null;
  let tableLine = 0;
  const lines = text.split('\n');
  for (let n = 0; n < lines.length && errors.length === 0; n++) {
    const lineNo = n + 1;
    const raw = lines[n];
    const words = splitWords(raw, n < lines.length - 1);
    if (words.length === 0 || (raw.startsWith('#'))) continue;
    const first = words[0];
    const err = (w: Word, message: string): void => void errors.push({ line: lineNo, column: w.col, message });
    if (table === null || chains === null) {
      if (first.text.startsWith('*')) {
        const name = first.text.slice(1);
        if (!isTable(name)) {
          err(first, `table '${name}' is not modelled by the IPv6 rule walk (it knows raw, mangle, nat, filter)`);
          continue;
        }
        table = name;
        tableLine = lineNo;
        chains = ruleset.tables.get(name) ?? new Map<string, Ip6Chain>();
        if (!ruleset.tables.has(name)) for (const c of BUILTIN_CHAINS[name]) chains.set(c, { name: c, policy: 'ACCEPT', rules: [] });
        ruleset.tables.set(name, chains);
      } else err(first, `Bad argument \`${first.text}': a table (*filter, *nat...) must come first`);
      continue;
    }
    const cur = chains;
    if (first.text === 'COMMIT') {
      table = null;
      chains = null;
      continue;
    }
    if (first.text.startsWith(':')) {
      const name = first.text.slice(1);
      const policy = words[1]?.text ?? '';
      const builtin = BUILTIN_CHAINS[table].includes(name);
      if (name === '' || name.length > 28) err(first, `Invalid chain name \`${name}'`);
      else if (builtin && policy !== 'ACCEPT' && policy !== 'DROP') err(words[1] ?? first, `Can't set policy \`${policy}' on \`${name}'`);
      else if (!builtin && policy !== '-') err(words[1] ?? first, `a user chain's policy is \`-', got \`${policy}'`);
      else cur.set(name, { name, policy: builtin ? (policy as 'ACCEPT' | 'DROP') : null, rules: [] });
      continue;
    }
    if (first.text === '-A' || first.text === '--append' || first.text === '-I' || first.text === '--insert') {
      const chainWord = words[1];
      if (!chainWord) {
        err(first, `option "${first.text}" requires an argument`);
        continue;
      }
      const chain = cur.get(chainWord.text);
      if (!chain) {
        err(chainWord, `Chain '${chainWord.text}' does not exist`);
        continue;
      }
      let at = 2;
      let index = first.text === '-A' || first.text === '--append' ? chain.rules.length : 0;
      if (index === 0 && words[2] && /^[0-9]+$/.test(words[2].text)) {
        index = Number.parseInt(words[2].text, 10) - 1;
        at = 3;
        if (index < 0 || index > chain.rules.length) {
          err(words[2], `Index of insertion too big`);
          continue;
        }
      }
      const source = [`-A ${chainWord.text}`, ...words.slice(at).map((w) => w.raw)].join(' ');
      const p = new RuleParser(lineNo, source, table, (c) => cur.has(c), opts.lenientComments ?? false);
      const e = p.parse(words.slice(at));
      if (e) errors.push(e);
      else chain.rules.splice(index, 0, p.rule);
      continue;
    }
    err(first, `Bad argument \`${first.text}'${first.text.startsWith('-') ? ' (the IPv6 rule walk reads -A, -I and chain lines)' : ''}`);
  }
  if (errors.length === 0 && table !== null) errors.push({ line: lines.length, message: `COMMIT expected for the table opened at line ${tableLine}` });
  return { ruleset, errors };
}
