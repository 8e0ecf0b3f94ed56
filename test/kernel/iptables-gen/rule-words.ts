// The words of one rule (after `-A CHAIN`): basic filters, matches and a target, drawn from the vocabulary the
// engine implements (src/kernel/netfilter/matches, targets). Everything here is meant to be valid; the kernel
// has the last word, and the mutations in mutate.ts add the deliberate mistakes.

import type { GenTable, Pick } from './script.js';

/** Where a user chain may be reached from in nat, so that its NAT targets pass the kernel's hook check. */
export type ChainClass = 'any' | 'dnat' | 'snat';

export interface RuleSite {
  table: GenTable;
  /** The chain the rule is appended to. */
  chain: string;
  /** The built-in hook of the chain, or null for a user chain. */
  hook: string | null;
  cls: ChainClass;
  /** User chains this rule may jump or go to without making the table invalid. */
  jumpable: readonly string[];
}

const IFACES = ['eth0', 'eth1', 'veth+', 'br-lan', 'lo', 'wg0', 'cni0', 'docker0', 'vethab12cd+', 'flannel.1'];
const SERVICES = ['ssh', 'http', 'https', 'domain', 'ntp', 'smtp'];
const ICMP_TYPES = [
  'echo-request', 'echo-reply', 'any', 'destination-unreachable', 'port-unreachable', 'host-unreachable',
  'time-exceeded', 'ttl-zero-during-transit', 'fragmentation-needed', 'redirect', 'host-redirect', 'ping', 'pong',
  'parameter-problem', 'timestamp-request', 'source-quench', '8', '0', '3/4', '11/0', '5/1', '13',
];
const REJECT_WITH = [
  'icmp-net-unreachable', 'icmp-host-unreachable', 'icmp-port-unreachable', 'icmp-proto-unreachable',
  'icmp-net-prohibited', 'icmp-host-prohibited', 'icmp-admin-prohibited', 'net-unreach', 'host-unreach',
  'port-unreach', 'proto-unreach', 'net-prohib', 'host-prohib', 'admin-prohib',
];
const CT_STATES = ['NEW', 'ESTABLISHED', 'RELATED', 'INVALID', 'UNTRACKED', 'SNAT', 'DNAT'];
const STATES = ['NEW', 'ESTABLISHED', 'RELATED', 'INVALID', 'UNTRACKED'];
const ADDR_TYPES = ['LOCAL', 'UNICAST', 'BROADCAST', 'MULTICAST', 'BLACKHOLE', 'UNREACHABLE', 'ANYCAST', 'PROHIBIT'];
const COMMENTS = [
  'kube-system/kube-dns:dns', '"allow web"', '"default/nginx:http cluster IP"', 'plain', '"say \\"hi\\""',
  '"it\'s here"', '"trailing space "', 'a.b_c-d', '"x"', '"100%"', '"tab\tinside"',
];
const LOG_PREFIXES = ['"DROP: "', 'fw', '"[IN] "', '"it\'s "', '"q\\"uote "', '"KUBE-SVC "'];
const LOG_LEVELS = ['0', '4', '6', '7', 'info', 'debug', 'warning', 'crit', 'notice'];

export function ipv4(p: Pick): string {
  const first = p.one([10, 172, 192, 100, 8, 1, 203]);
  return `${first}.${p.int(0, 255)}.${p.int(0, 255)}.${p.int(0, 255)}`;
}

function dottedMask(len: number): string {
  const m = len === 0 ? 0 : (0xffffffff << (32 - len)) >>> 0;
  return [24, 16, 8, 0].map((s) => (m >>> s) & 0xff).join('.');
}

function addrWord(p: Pick): string {
  const a = ipv4(p);
  const r = p.rng.next();
  if (r < 0.35) return a;
  if (r < 0.8) return `${a}/${p.int(1, 32)}`;
  if (r < 0.9) return `${a}/${dottedMask(p.int(1, 32))}`;
  if (r < 0.95) return `${a}/255.0.255.0`;
  return `${a},${ipv4(p)}/${p.int(8, 32)}`;
}

function port(p: Pick): string {
  return p.chance(0.15) ? p.one(SERVICES) : `${p.one([22, 53, 80, 443, 8080, 30000, 1, 65535, p.int(1, 65535)])}`;
}

function portRange(p: Pick): string {
  const r = p.rng.next();
  if (r < 0.55) return port(p);
  const lo = p.int(1, 30000);
  const hi = lo + p.int(0, 30000);
  if (r < 0.85) return `${lo}:${hi}`;
  if (r < 0.93) return `:${hi}`;
  return `${lo}:`;
}

function hexOrDec(p: Pick, max = 0xffffffff): string {
  const v = p.chance(0.5) ? p.int(0, 0xff) : p.int(0, max);
  return p.chance(0.6) ? `0x${v.toString(16)}` : `${v}`;
}

function markMask(p: Pick): string {
  return p.chance(0.5) ? hexOrDec(p) : `${hexOrDec(p)}/${p.one(['0xff', '0xffff', '0x4000', '0xffffffff', '0xff00'])}`;
}

function tcpFlagList(p: Pick): string {
  const flags = ['SYN', 'ACK', 'FIN', 'RST', 'PSH', 'URG'];
  const r = p.rng.next();
  if (r < 0.1) return 'ALL';
  if (r < 0.15) return 'NONE';
  return p.some(flags, p.int(1, 4)).join(',');
}

interface Proto {
  name: 'tcp' | 'udp' | 'icmp' | 'other' | null;
  words: string[];
  inverted: boolean;
}

function basics(p: Pick, site: RuleSite): { words: string[]; proto: Proto } {
  const w: string[] = [];
  if (p.chance(0.35)) w.push(`${p.bang()}-s ${addrWord(p)}`);
  if (p.chance(0.3)) w.push(`${p.bang()}-d ${addrWord(p)}`);
  const inOk = site.hook !== 'OUTPUT' && site.hook !== 'POSTROUTING';
  const outOk = site.hook !== 'INPUT' && site.hook !== 'PREROUTING';
  if (inOk && p.chance(0.25)) w.push(`${p.bang(0.15)}-i ${p.one(IFACES)}`);
  if (outOk && p.chance(0.2)) w.push(`${p.bang(0.15)}-o ${p.one(IFACES)}`);
  let proto: Proto = { name: null, words: [], inverted: false };
  const r = p.rng.next();
  if (r < 0.4) proto = { name: 'tcp', words: [p.one(['-p tcp', '-p tcp', '-p TCP', '-p 6', '--protocol tcp'])], inverted: false };
  else if (r < 0.62) proto = { name: 'udp', words: [p.one(['-p udp', '-p udp', '-p 17'])], inverted: false };
  else if (r < 0.72) proto = { name: 'icmp', words: ['-p icmp'], inverted: false };
  else if (r < 0.8) {
    const inv = p.chance(0.3);
    proto = { name: 'other', words: [`${inv ? '! ' : ''}-p ${p.one(['gre', '47', 'sctp', 'all', 'esp', 'tcp', 'udp'])}`], inverted: true };
  }
  w.push(...proto.words);
  if (p.chance(0.03)) w.push(`${p.bang(0.3)}-f`);
  return { words: w, proto };
}

function protoMatch(p: Pick, proto: Proto): string[] {
  const explicit = p.chance(0.35);
  if (proto.name === 'tcp' && p.chance(0.8)) {
    const w: string[] = explicit ? ['-m tcp'] : [];
    if (p.chance(0.35)) w.push(`${p.bang(0.1)}--sport ${portRange(p)}`);
    if (p.chance(0.7)) w.push(`${p.bang(0.15)}${p.one(['--dport', '--dport', '--destination-port'])} ${portRange(p)}`);
    const f = p.rng.next();
    if (f < 0.12) w.push(`${p.bang(0.2)}--syn`);
    else if (f < 0.25) w.push(`${p.bang(0.15)}--tcp-flags ${tcpFlagList(p)} ${tcpFlagList(p)}`);
    if (p.chance(0.04)) w.push(`${p.bang(0.3)}--tcp-option ${p.int(0, 255)}`);
    return w.length > (explicit ? 1 : 0) || explicit ? w : [];
  }
  if (proto.name === 'udp' && p.chance(0.8)) {
    const w: string[] = explicit ? ['-m udp'] : [];
    if (p.chance(0.3)) w.push(`${p.bang(0.1)}--sport ${portRange(p)}`);
    if (p.chance(0.8)) w.push(`${p.bang(0.1)}--dport ${portRange(p)}`);
    return w;
  }
  if (proto.name === 'icmp' && p.chance(0.8)) {
    return [...(explicit ? ['-m icmp'] : []), `${p.bang(0.15)}--icmp-type ${p.one(ICMP_TYPES)}`];
  }
  return [];
}

type MatchGen = (p: Pick, proto: Proto, site: RuleSite) => string[] | null;

const MATCHES: ReadonlyArray<readonly [number, MatchGen]> = [
  [3, (p, proto) => {
    if (proto.name !== 'tcp' && proto.name !== 'udp') return null;
    const n = p.int(1, 5);
    const list = Array.from({ length: n }, () => (p.chance(0.25) ? `${p.int(1, 1000)}:${p.int(1001, 65535)}` : port(p)));
    return ['-m multiport', `${p.bang(0.15)}${p.one(['--dports', '--sports', '--ports', '--destination-ports', '--source-ports'])} ${list.join(',')}`];
  }],
  [4, (p) => ['-m comment', `--comment ${p.one(COMMENTS)}`]],
  [2, (p) => ['-m mark', `${p.bang()}--mark ${markMask(p)}`]],
  [1, (p) => ['-m connmark', `${p.bang()}--mark ${markMask(p)}`]],
  [3, (p) => ['-m conntrack', `${p.bang(0.15)}--ctstate ${p.some(CT_STATES, p.int(1, 3)).join(',')}`]],
  [2, (p) => {
    const w = ['-m conntrack'];
    if (p.chance(0.5)) w.push(`${p.bang(0.1)}--ctstate ${p.some(CT_STATES, p.int(1, 2)).join(',')}`);
    w.push(`${p.bang(0.1)}--ctproto ${p.one(['tcp', 'udp', '6', '17'])}`);
    if (p.chance(0.5)) w.push(`${p.bang(0.1)}${p.one(['--ctorigdst', '--ctorigsrc', '--ctrepldst', '--ctreplsrc'])} ${addrWord(p).split(',')[0]}`);
    if (p.chance(0.5)) w.push(`${p.bang(0.1)}${p.one(['--ctorigdstport', '--ctorigsrcport', '--ctrepldstport', '--ctreplsrcport'])} ${p.chance(0.7) ? p.int(1, 65535) : `${p.int(1, 100)}:${p.int(101, 65535)}`}`);
    if (p.chance(0.3)) w.push(`${p.bang(0.1)}--ctstatus ${p.some(['ASSURED', 'SEEN_REPLY', 'CONFIRMED', 'EXPECTED'], p.int(1, 2)).join(',')}`);
    if (p.chance(0.2)) w.push(`--ctdir ${p.one(['ORIGINAL', 'REPLY'])}`);
    return w;
  }],
  [2, (p) => ['-m state', `${p.bang(0.1)}--state ${p.some(STATES, p.int(1, 3)).join(',')}`]],
  [2, (p) => {
    const w = ['-m addrtype'];
    if (p.chance(0.6)) w.push(`${p.bang(0.2)}--src-type ${p.some(ADDR_TYPES, p.int(1, 2)).join(',')}`);
    if (w.length === 1 || p.chance(0.5)) w.push(`${p.bang(0.2)}--dst-type ${p.some(ADDR_TYPES, p.int(1, 2)).join(',')}`);
    return w;
  }],
  [2, (p) => {
    if (p.chance(0.6)) {
      const prob = p.one(['0.5', '0.25', '0.33333333349', '0.1', '1', '0', '0.00001', '0.75000000000']);
      return p.chance(0.15) ? ['-m statistic', '--mode random', `! --probability ${prob}`] : ['-m statistic', `--mode random --probability ${prob}`];
    }
    const every = p.int(1, 10);
    const packet = p.int(0, every - 1);
    return ['-m statistic', `--mode nth ${p.bang(0.1)}--every ${every} --packet ${packet}`];
  }],
  [2, (p) => {
    const check = p.one(['--set', '--rcheck', '--update', '--remove']);
    const w = ['-m recent', `${check === '--set' ? '' : p.bang(0.1)}${check}`];
    if (check === '--rcheck' || check === '--update') {
      if (p.chance(0.6)) w.push(`--seconds ${p.int(1, 600)}`);
      if (p.chance(0.3) && w.length > 2) w.push('--reap');
      if (p.chance(0.4)) w.push(`--hitcount ${p.int(1, 20)}`);
      if (p.chance(0.1)) w.push('--rttl');
    }
    if (p.chance(0.7)) w.push(`--name ${p.one(['SSH', 'portscan', 'DEFAULT', 'web_1'])}`);
    if (p.chance(0.4)) w.push(p.one(['--rsource', '--rdest']));
    if (p.chance(0.2)) w.push(`--mask ${p.one(['255.255.255.0', '255.255.0.0', '255.255.255.255'])}`);
    return w;
  }],
  // Issue 8: the extensions CNI plugins and kube-router write.
  [2, (p) => {
    const w = ['-m limit'];
    if (p.chance(0.85)) w.push(`--limit ${p.int(1, 2000)}/${p.one(['s', 'sec', 'second', 'm', 'min', 'minute', 'h', 'hour', 'd', 'day'])}`);
    if (p.chance(0.4)) w.push(`--limit-burst ${p.one([1, 5, 10, 20, 100, 10000])}`);
    return w;
  }],
  [2, (p) => {
    const range = () => { const a = ipv4(p); return p.chance(0.15) ? a : `${a}-${a.replace(/\.\d+$/, '.255')}`; };
    const w = ['-m iprange'];
    if (p.chance(0.6)) w.push(`${p.bang(0.2)}--src-range ${range()}`);
    if (w.length === 1 || p.chance(0.4)) w.push(`${p.bang(0.2)}--dst-range ${range()}`);
    return w;
  }],
  [1, (p) => {
    const lo = p.int(0, 1500);
    const form = p.rng.next();
    const v = form < 0.3 ? `${lo}` : form < 0.8 ? `${lo}:${lo + p.int(0, 9000)}` : form < 0.9 ? `:${lo}` : `${lo}:`;
    return ['-m length', `${p.bang(0.2)}--length ${v}`];
  }],
  [2, (p, _proto, site) => {
    if (site.hook !== 'OUTPUT' && site.hook !== 'POSTROUTING') return null;
    const w = ['-m owner'];
    if (p.chance(0.3)) w.push(`${p.bang(0.2)}--socket-exists`);
    if (w.length === 1 || p.chance(0.6)) w.push(`${p.bang(0.2)}--uid-owner ${p.chance(0.3) ? `${p.int(0, 999)}-${p.int(1000, 70000)}` : p.one(['0', 'root', '1000', '65534'])}`);
    if (p.chance(0.4)) {
      w.push(`${p.bang(0.2)}--gid-owner ${p.one(['0', '100', 'root', '1000-2000'])}`);
      if (p.chance(0.3)) w.push('--suppl-groups');
    }
    return w;
  }],
  [2, (p) => {
    const w = ['-m hashlimit', `${p.chance(0.5) ? '--hashlimit-upto' : p.chance(0.5) ? '--hashlimit-above' : '! --hashlimit-upto'} ${p.int(1, 5000)}/${p.one(['s', 'sec', 'min', 'minute', 'hour', 'day'])}`];
    if (p.chance(0.5)) w.push(`--hashlimit-burst ${p.one([1, 5, 10, 1000])}`);
    if (p.chance(0.7)) w.push(`--hashlimit-mode ${p.some(['srcip', 'srcport', 'dstip', 'dstport'], p.int(1, 3)).join(',')}`);
    w.push(`--hashlimit-name ${p.one(['kube-router', 'ssh_limit', 'a', 'cni-rate'])}`);
    if (p.chance(0.2)) w.push(`--hashlimit-htable-expire ${p.one([1000, 10000, 60000, 3600000])}`);
    if (p.chance(0.15)) w.push(`--hashlimit-srcmask ${p.int(0, 32)}`);
    if (p.chance(0.1)) w.push(`--hashlimit-htable-gcinterval ${p.one([500, 1000, 2000])}`);
    return w;
  }],
  [2, (p, _proto, site) => {
    if (site.hook !== 'PREROUTING' || (site.table !== 'raw' && site.table !== 'mangle')) return null;
    return ['-m rpfilter', ...['--loose', '--validmark', '--accept-local', '--invert'].filter(() => p.chance(0.35))];
  }],
];

function matches(p: Pick, proto: Proto, site: RuleSite): string[] {
  const w: string[] = [];
  const n = p.one([0, 0, 1, 1, 1, 2, 2, 3]);
  const total = MATCHES.reduce((s, [wt]) => s + wt, 0);
  for (let k = 0; k < n; k++) {
    let r = p.int(0, total - 1);
    const gen = MATCHES.find(([wt]) => (r -= wt) < 0)![1];
    const m = gen(p, proto, site);
    if (m) w.push(...m);
  }
  return w;
}

function natRange(p: Pick, proto: Proto, ports: boolean): string {
  const a = ipv4(p);
  const addr = p.chance(0.2) ? `${a}-${a.replace(/\.\d+$/, `.${255}`)}` : a;
  if (!ports || proto.inverted || (proto.name !== 'tcp' && proto.name !== 'udp') || p.chance(0.5)) return addr;
  const lo = p.int(1, 60000);
  return p.chance(0.6) ? `${addr}:${lo}` : `${addr}:${lo}-${lo + p.int(0, 5000)}`;
}

function toPorts(p: Pick, proto: Proto): string[] {
  if (proto.inverted || (proto.name !== 'tcp' && proto.name !== 'udp') || p.chance(0.4)) return [];
  const lo = p.int(1, 60000);
  return [`--to-ports ${p.chance(0.6) ? lo : `${lo}-${lo + p.int(0, 500)}`}`];
}

function flags(p: Pick, names: readonly string[]): string[] {
  return names.filter(() => p.chance(0.15));
}

type TargetGen = (p: Pick, proto: Proto, site: RuleSite) => string[] | null;

const COMMON_TARGETS: ReadonlyArray<readonly [number, TargetGen]> = [
  [3, () => ['-j ACCEPT']],
  [2, () => ['-j RETURN']],
  [2, () => []],
  [2, (p) => {
    const w = ['-j LOG'];
    if (p.chance(0.7)) w.push(`--log-prefix ${p.one(LOG_PREFIXES)}`);
    if (p.chance(0.4)) w.push(`--log-level ${p.one(LOG_LEVELS)}`);
    w.push(...flags(p, ['--log-tcp-sequence', '--log-tcp-options', '--log-ip-options', '--log-uid']));
    return w;
  }],
  [2, (p) => {
    const op = p.one(['--set-mark', '--set-xmark', '--or-mark', '--and-mark', '--xor-mark']);
    return ['-j MARK', `${op} ${op === '--set-mark' || op === '--set-xmark' ? markMask(p) : hexOrDec(p)}`];
  }],
  [1, (p) => {
    const r = p.rng.next();
    if (r < 0.35) return ['-j CONNMARK', `--set-mark ${markMask(p)}`];
    const w = ['-j CONNMARK', r < 0.65 ? '--save-mark' : '--restore-mark'];
    const m = p.rng.next();
    if (m < 0.3) w.push(`--mask ${hexOrDec(p)}`);
    else if (m < 0.5) w.push(`--nfmask ${hexOrDec(p)} --ctmask ${hexOrDec(p)}`);
    return w;
  }],
  [3, (p, _proto, site) => (site.jumpable.length ? [`${p.chance(0.2) ? '-g' : '-j'} ${p.one(site.jumpable)}`] : null)],
  [2, (p) => {
    const w = ['-j NFLOG'];
    if (p.chance(0.6)) w.push(`--nflog-group ${p.one([0, 1, 5, 100, 65535])}`);
    if (p.chance(0.5)) w.push(`--nflog-prefix ${p.one(LOG_PREFIXES)}`);
    if (p.chance(0.2)) w.push(`--nflog-size ${p.one([0, 64, 128, 65535])}`);
    if (p.chance(0.2)) w.push(`--nflog-threshold ${p.one([0, 1, 3, 20])}`);
    return w;
  }],
  [2, (p, proto, site) => {
    if (proto.name !== 'tcp' || proto.inverted) return null;
    const clampOk = site.hook === 'FORWARD' || site.hook === 'OUTPUT' || site.hook === 'POSTROUTING';
    return ['-j TCPMSS', clampOk && p.chance(0.5) ? '--clamp-mss-to-pmtu' : `--set-mss ${p.one([536, 1360, 1400, 1460, 9000])}`];
  }],
];

const TABLE_TARGETS: Readonly<Record<GenTable, ReadonlyArray<readonly [number, TargetGen]>>> = {
  filter: [
    [3, () => ['-j DROP']],
    [2, (p, proto) => {
      const w = ['-j REJECT'];
      if (p.chance(0.6)) w.push(`--reject-with ${proto.name === 'tcp' && p.chance(0.4) ? p.one(['tcp-reset', 'tcp-rst']) : p.one(REJECT_WITH)}`);
      return w;
    }],
  ],
  nat: [
    [4, (p, proto, site) => (site.hook === 'PREROUTING' || site.hook === 'OUTPUT' || site.cls === 'dnat'
      ? ['-j DNAT', `--to-destination ${natRange(p, proto, true)}`, ...flags(p, ['--random', '--persistent'])] : null)],
    [3, (p, proto, site) => (site.hook === 'POSTROUTING' || site.hook === 'INPUT' || site.cls === 'snat'
      ? ['-j SNAT', `--to-source ${natRange(p, proto, true)}`, ...flags(p, ['--random', '--random-fully', '--persistent'])] : null)],
    [3, (p, proto, site) => (site.hook === 'POSTROUTING' || site.cls === 'snat'
      ? ['-j MASQUERADE', ...toPorts(p, proto), ...flags(p, ['--random', '--random-fully'])] : null)],
    [2, (p, proto, site) => (site.hook === 'PREROUTING' || site.hook === 'OUTPUT' || site.cls === 'dnat'
      ? ['-j REDIRECT', ...toPorts(p, proto), ...flags(p, ['--random'])] : null)],
  ],
  mangle: [[3, () => ['-j DROP']]],
  raw: [
    [2, () => ['-j DROP']],
    [3, () => ['-j NOTRACK']],
    [2, () => ['-j CT', '--notrack']],
  ],
};

function target(p: Pick, proto: Proto, site: RuleSite): string[] {
  const gens = [...COMMON_TARGETS, ...TABLE_TARGETS[site.table]];
  const total = gens.reduce((s, [wt]) => s + wt, 0);
  for (;;) {
    let r = p.int(0, total - 1);
    const t = gens.find(([wt]) => (r -= wt) < 0)![1](p, proto, site);
    if (t) return t;
  }
}

/** The words of a rule at `site`, joined by spaces. */
export function ruleWords(p: Pick, site: RuleSite): string {
  const b = basics(p, site);
  const w = [...b.words, ...protoMatch(p, b.proto), ...matches(p, b.proto, site), ...target(p, b.proto, site)];
  return w.join(' ');
}
