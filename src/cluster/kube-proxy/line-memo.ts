// The texts of kube-proxy's most written rule lines (proxier.go syncProxyRules(): a Service's KUBE-SERVICES jump
// and cluster-IP masquerade rule, its chains' `:CHAIN` lines, the SVC -> SEP jumps and each endpoint's two SEP
// rules) are a pure function of a few values. They are kept beside the service port's and the endpoint's chain
// names (chain-names.ts: EndpointChainNames, one per service port name and protocol, shared by every proxier of the process),
// each with every value it was made from, and handed back only when all of them are the same; otherwise the line
// is made again and kept in its place. So a full sync of a proxier, or of another node's proxier, writes one
// string per line instead of a dozen pieces, and copying them into the text (PartText) costs a copy per line.
// Each text starts with its newline, as PartText.nl() takes it, and is joined from its pieces (one flat string).

import type { EndpointChain, EndpointChainNames } from './chain-names.js';
import type { PortBlock } from './port-block.js';
import { probability } from './probability.js';

let enabled = true;

/** false: every line is made again from its pieces and nothing is kept (the plain path the memo is tested against). */
export function setLineMemo(on: boolean): void {
  enabled = on;
}

/** `"text"` when it has a space, as kube-proxy writes its pre-quoted comments. */
export function q(s: string): string {
  return s.includes(' ') ? `"${s}"` : s;
}

/** ` -m statistic --mode random --probability P` for P = 1/n, by n (a pure function of n). */
const STATISTIC_ARGS: string[] = [];
export function statisticArgs(n: number): string {
  if (n >= 4096) return ` -m statistic --mode random --probability ${probability(n)}`;
  return (STATISTIC_ARGS[n] ??= ` -m statistic --mode random --probability ${probability(n)}`);
}

/** `\n:NAME - [0:0]`. */
export function makeChainLine(name: string): string {
  return ['\n:', name, ' - [0:0]'].join('');
}

/** What one endpoint's lines were made from, and the lines (null: not made for these values yet). */
export interface EndpointLines {
  /** The service port name (`ns/name:port`), protocol (lowercase), the endpoint's address and `ip:port`. */
  n: string;
  proto: string;
  ip: string;
  ep: string;
  /** `\n:SEP - [0:0]`. */
  decl: string | null;
  /** The SEP chain's two rules without session affinity, for largeClusterMode `sepLarge`. */
  sep: string | null;
  sepLarge: boolean;
  /** The jump to the SEP chain from `jumpChain`, the k-th last endpoint there, for largeClusterMode `jumpLarge`. */
  jump: string | null;
  jumpChain: string;
  jumpK: number;
  jumpLarge: boolean;
}

/** The record of `c`'s lines for these values: kept when they are the ones it holds, else emptied for them. */
export function endpointLines(c: EndpointChain, n: string, proto: string, ip: string, ep: string): EndpointLines {
  const r = enabled ? c.lines : null;
  if (r !== null && r.n === n && r.proto === proto && r.ip === ip && r.ep === ep) return r;
  const fresh: EndpointLines = { n, proto, ip, ep, decl: null, sep: null, sepLarge: false, jump: null, jumpChain: '', jumpK: 0, jumpLarge: false };
  if (enabled) c.lines = fresh;
  return fresh;
}

/** `\n:SEP - [0:0]`. */
export function sepChainLine(r: EndpointLines, sep: string): string {
  return (r.decl ??= makeChainLine(sep));
}

/**
 * The SEP chain's rules without session affinity: the hairpin masquerade, then the DNAT to the endpoint
 * (`\n-A SEP [-m comment --comment N] -s IP -j KUBE-MARK-MASQ\n-A SEP [...] -m P -p P -j DNAT --to-destination EP`).
 */
export function sepRules(r: EndpointLines, sep: string, large: boolean): string {
  if (r.sep !== null && r.sepLarge === large) return r.sep;
  const comment = large ? '' : ` -m comment --comment ${q(r.n)}`;
  const text = ['\n-A ', sep, comment, ' -s ', r.ip, ' -j KUBE-MARK-MASQ\n-A ', sep, comment, ' -m ', r.proto, ' -p ', r.proto, ' -j DNAT --to-destination ', r.ep].join('');
  r.sep = text;
  r.sepLarge = large;
  return text;
}

/** `\n-A CHAIN [-m comment --comment "N -> EP"] [-m statistic ... 1/k] -j SEP`: the jump of the k-th last endpoint. */
export function sepJump(r: EndpointLines, sep: string, chain: string, k: number, large: boolean): string {
  if (r.jump !== null && r.jumpChain === chain && r.jumpK === k && r.jumpLarge === large) return r.jump;
  const text = ['\n-A ', chain, large ? '' : ` -m comment --comment ${q(`${r.n} -> ${r.ep}`)}`, k > 1 ? statisticArgs(k) : '', ' -j ', sep].join('');
  r.jump = text;
  r.jumpChain = chain;
  r.jumpK = k;
  r.jumpLarge = large;
  return text;
}

/** What a service port's lines were made from, and the lines (null: not made for these values yet). */
export interface PortLines {
  n: string;
  proto: string;
  clusterIP: string;
  port: number;
  /** `\n-A KUBE-SERVICES ... cluster IP ... -j CHAIN`, with `servicesChain`. */
  services: string | null;
  servicesChain: string;
  /** `\n-A CHAIN ... cluster IP ...` and `masqTail` (the non-local masquerade), with `masqChain`. */
  masq: string | null;
  masqChain: string;
  masqTail: string;
  /** `\n:CHAIN - [0:0]` of `declChain`. */
  decl: string | null;
  declChain: string;
  /** Renders of the port with these values (port-block.ts keeps a block from the second on). */
  renders: number;
  /** The port's last render's pieces (port-block.ts; null: none kept). */
  block: PortBlock | null;
}

/** The record of `t`'s lines for these values: kept when they are the ones it holds, else emptied for them. */
export function portLines(t: EndpointChainNames, n: string, proto: string, clusterIP: string, port: number): PortLines {
  const r = enabled ? t.portLines : null;
  if (r !== null && r.n === n && r.proto === proto && r.clusterIP === clusterIP && r.port === port) return r;
  const fresh: PortLines = { n, proto, clusterIP, port, services: null, servicesChain: '', masq: null, masqChain: '', masqTail: '', decl: null, declChain: '', renders: 0, block: null };
  if (enabled) t.portLines = fresh;
  return fresh;
}

/** ` cluster IP" -m P -p P -d IP --dport PORT` after the comment's opening quote and the port name. */
function clusterTail(r: PortLines): string {
  return ` cluster IP" -m ${r.proto} -p ${r.proto} -d ${r.clusterIP} --dport ${r.port}`;
}

/** `\n-A KUBE-SERVICES -m comment --comment "N cluster IP" -m P -p P -d IP --dport PORT -j CHAIN`. */
export function servicesRule(r: PortLines, chain: string): string {
  if (r.services !== null && r.servicesChain === chain) return r.services;
  const text = ['\n-A KUBE-SERVICES -m comment --comment "', r.n, clusterTail(r), ' -j ', chain].join('');
  r.services = text;
  r.servicesChain = chain;
  return text;
}

/** `\n-A CHAIN -m comment --comment "N cluster IP" -m P -p P -d IP --dport PORT` and `tail` (` ! -s CIDR -j KUBE-MARK-MASQ`). */
export function masqRule(r: PortLines, chain: string, tail: string): string {
  if (r.masq !== null && r.masqChain === chain && r.masqTail === tail) return r.masq;
  const text = ['\n-A ', chain, ' -m comment --comment "', r.n, clusterTail(r), tail].join('');
  r.masq = text;
  r.masqChain = chain;
  r.masqTail = tail;
  return text;
}

/** `\n:CHAIN - [0:0]` of one of the port's chains. */
export function portChainLine(r: PortLines, chain: string): string {
  if (r.decl !== null && r.declChain === chain) return r.decl;
  const text = makeChainLine(chain);
  r.decl = text;
  r.declChain = chain;
  return text;
}
