// The pure half of kube-proxy's iptables reconciler: pkg/proxy/iptables/proxier.go syncProxyRules(), from the
// Services, their endpoints and the proxier's configuration to the `iptables-restore --noflush` input, rule for
// rule and in kube-proxy's own emission order (filter block, then nat block; chain lines, then rules).

import { categorizeEndpoints } from './endpoints.js';
import type { EndpointInfo } from './endpoints.js';
import { isServiceChainName } from './chain-names.js';
import { cidrContains, isLoopback, parseCidrSloppy, parseIpSloppy } from './ip-sloppy.js';
import type { ParsedIp } from './ip-sloppy.js';
import { endpointLines, makeChainLine, masqRule, portChainLine, portLines, q, sepChainLine, sepJump, sepRules, servicesRule, statisticArgs } from './line-memo.js';
import type { ServicePortInfo } from './service-port.js';
import { externallyAccessible, usesClusterEndpoints, usesLocalEndpoints } from './service-port.js';
import type { LocalTrafficDetector, ProxierConfig } from './types.js';
import { RenderMemo } from './render-memo.js';
import type { UnjoinedRun } from './render-memo.js';
import { EMPTY_PART, blockMatches, endpointKey, plainPort, portBlocksEnabled } from './port-block.js';
import type { BlockPart, PortBlock } from './port-block.js';

export const KUBE_SERVICES = 'KUBE-SERVICES';
export const KUBE_EXTERNAL_SERVICES = 'KUBE-EXTERNAL-SERVICES';
export const KUBE_FORWARD = 'KUBE-FORWARD';
export const KUBE_NODEPORTS = 'KUBE-NODEPORTS';
export const KUBE_PROXY_FIREWALL = 'KUBE-PROXY-FIREWALL';
export const KUBE_FIREWALL = 'KUBE-FIREWALL';
export const KUBE_POSTROUTING = 'KUBE-POSTROUTING';
export const KUBE_MARK_MASQ = 'KUBE-MARK-MASQ';

const NODEPORTS_COMMENT = '"kubernetes service nodeports; NOTE: this must be the last rule in this chain"';
const LOCALHOST_NPS_COUNTER = 'localhost_nps_accepted_pkts';
const INVALID_COUNTER = 'ct_state_invalid_dropped_pkts';

export interface RenderInput {
  config: ProxierConfig;
  /** Every service port of the proxier's family. */
  services: readonly ServicePortInfo[];
  /** ServicePortInfo.key -> endpoints, sorted. */
  endpoints: ReadonlyMap<string, readonly EndpointInfo[]>;
  /**
   * Partial sync: the `ns/name` of Services whose Service or EndpointSlices changed; only their SVC/SVL/EXT/FW/SEP
   * chains are written. null: a full sync.
   */
  changedServices: ReadonlySet<string> | null;
  /** The nat chains in the kernel now (iptables-save -t nat), for the stale-chain clean-up; null skips it. */
  existingNatChains: Iterable<string> | null;
  /**
   * Each Service port's lines from earlier renders, reused while what they are made of is the same object
   * (the ServicePortInfo, its endpoint list, the config) with the same mode and partial skip; absent: none kept.
   */
  segments?: RenderSegments;
  /** The last sync's segments, chains and text runs (render-memo.ts); absent: a fresh one. */
  memo?: RenderMemo;
  /**
   * With `memo`: the `ns/name` of every Service whose Service or endpoints changed since the memo's last render
   * (the change trackers' updatedServices); absent: every Service is looked at.
   */
  touched?: ReadonlySet<string>;
  /**
   * With `memo`: the endpoint total of `services` in `endpoints` as the caller has just counted it with that memo
   * (RenderMemo.endpointTotal(), as IptablesProxier.sync() does); absent: counted here.
   */
  endpointTotal?: number;
  /** Text before the restore input in RenderResult.text (SyncOptions.fullSyncPrefix); absent: none. */
  prefix?: string;
}

/**
 * One Service port's share of a sync's text: its lines in each part (joined by newlines, '' for none: one flat
 * string per part rather than an array of lines, so that little of a render stays alive), and the nat chains it
 * declares.
 */
export interface ServiceSegment {
  filterRules: string;
  natChains: string;
  natRules: string;
  /** The lines of natRules. */
  natRuleCount: number;
  active: readonly string[];
}

/**
 * What a segment was rendered from, by ServicePortInfo.key; a ServicePortInfo and an endpoint list are replaced,
 * never changed, when they change. A plain Map (no WeakMap: its ephemerons are costly to insert and to collect),
 * which renderSync() rids of the keys of gone Services when it holds many more than the Services.
 */
export type RenderSegments = Map<string, {
  svc: ServicePortInfo; eps: readonly EndpointInfo[]; config: ProxierConfig; large: boolean;
  /** With its own chains written, and without them (a partial sync that skips it). */
  written?: ServiceSegment; skipped?: ServiceSegment;
}>;

const NO_ENDPOINTS: readonly EndpointInfo[] = [];

export interface RenderResult {
  /** The iptables-restore --noflush input (after RenderInput.prefix). */
  text: string;
  /** Whether this sync wants the nat chain (written or skipped). */
  activeNatChain(name: string): boolean;
  /** Stale chains deleted with `-X`. */
  deletedChains: string[];
  largeClusterMode: boolean;
  /** nat rules written (the IPTablesRulesTotal{table=nat} metric counts the full set; this counts the text). */
  natRuleLines: number;
}

/** The mark text: config.masqueradeMark, else Go's fmt.Sprintf("%#08x", 1<<bit) (eight digits after 0x). */
export function masqueradeMark(config: Pick<ProxierConfig, 'masqueradeBit' | 'masqueradeMark'>): string {
  return config.masqueradeMark ?? `0x${(2 ** config.masqueradeBit).toString(16).padStart(8, '0')}`;
}

/** LocalTrafficDetector IfLocal() / IfNotLocal(); null for the no-op detector. */
function detectorArgs(d: LocalTrafficDetector, local: boolean): string | null {
  const not = local ? '' : '! ';
  switch (d.kind) {
    case 'cidr':
      return `${not}-s ${parseCidrSloppy(d.cidr)?.text ?? d.cidr}`;
    case 'bridge':
      return `${not}-i ${d.interface}`;
    case 'interface-prefix':
      return `${not}-i ${d.prefix}+`;
    case 'none':
      return null;
  }
}

interface LineSink {
  write(...parts: Array<string | null | false | undefined>): void;
}

class Lines implements LineSink {
  readonly lines: string[] = [];
  write(...parts: Array<string | null | false | undefined>): void {
    let line = '';
    for (const p of parts) {
      if (typeof p !== 'string' || p === '') continue;
      line = line === '' ? p : `${line} ${p}`;
    }
    this.lines.push(line);
  }
}

/** Where one Service's lines of one part go. */
interface PartSink {
  /** A whole line. */
  add(line: string): void;
  /** Starts a line with `piece`; s() writes the next pieces of the line. */
  line(piece: string): PartSink;
  /** `lines` whole lines as one string, each starting with its newline (line-memo.ts). */
  nl(text: string, lines: number): PartSink;
  /** The next piece of the line. */
  s(piece: string): PartSink;
}

type SegmentPart = 'filterRules' | 'natChains' | 'natRules';

/**
 * One part's text of the Services being rendered, as pieces joined once per batch of Services, or (direct) into
 * the sync's text at the end (a line is no
 * string of its own, nor is a Service's text: each Service's text is a slice of its batch's, which V8 keeps as a
 * view, not a copy). Every line starts with its newline (a piece of its own, or the first character of a line
 * from line-memo.ts), so a Service's text starts one character after its first piece. A batch is joined when it
 * reaches BATCH_CHARS characters, so that its text is a large object (never copied by the young-generation
 * collector), and by flush() at the end of a render. The array of pieces is reused, never shrunk (shrinking it
 * would make it grow again, in steps, for every batch).
 */
class PartText implements PartSink {
  readonly part: SegmentPart;
  /**
   * Direct (a render that writes every Service, in order): no batches; a kept segment's text is written too
   * (reuse()), every segment's place in the part is recorded, and the part's pieces go straight into the sync's
   * text (pieces()), which the rendered segments and the memo's runs then get their texts from (place()): the
   * Services' lines are copied once, not into a batch and then into the text.
   */
  readonly #direct: boolean;
  #pieces: string[] = [];
  #n = 0;
  /** Characters written in this batch. */
  #len = 0;
  /** The current Service's lines, and where its first one's newline is. */
  #svcLines = 0;
  #svcStart = 0;
  /** The Services of this batch with lines: their segment, and where their text starts and ends. */
  #segs: ServiceSegment[] = [];
  #starts: number[] = [];
  #ends: number[] = [];
  #pending = 0;

  /** `services`: the Services of a direct render (its arrays are made at about the size the last one's grew to). */
  constructor(part: SegmentPart, direct: boolean, services = 0) {
    this.part = part;
    this.#direct = direct;
    const last = DIRECT_SIZES[part];
    if (direct && services >= 1024 && last.services > 0) {
      // Made at once rather than grown in steps (each step a copy, each copy surviving the young generation).
      const pieces = Math.ceil((last.pieces * services) / last.services);
      this.#pieces = new Array<string>(pieces);
      this.#segs = new Array<ServiceSegment>(services);
      this.#starts = new Array<number>(services);
      this.#ends = new Array<number>(services);
    }
  }

  add(line: string): void {
    this.line(line);
  }

  line(piece: string): this {
    if (this.#svcLines++ === 0) this.#svcStart = this.#len;
    this.#pieces[this.#n++] = '\n';
    this.#pieces[this.#n++] = piece;
    this.#len += 1 + piece.length;
    return this;
  }

  nl(text: string, lines: number): this {
    if (this.#svcLines === 0) this.#svcStart = this.#len;
    this.#svcLines += lines;
    this.#pieces[this.#n++] = text;
    this.#len += text.length;
    return this;
  }

  s(piece: string): this {
    this.#pieces[this.#n++] = piece;
    this.#len += piece.length;
    return this;
  }

  /** The current Service's lines so far. */
  get count(): number {
    return this.#svcLines;
  }

  /** Where the next piece goes (for taken()). */
  get at(): number {
    return this.#n;
  }

  /** The pieces written since `at` (this.at then), joined, and the current Service's lines. */
  taken(at: number): BlockPart {
    if (this.#n === at) return EMPTY_PART;
    return { text: this.#n === at + 1 ? this.#pieces[at] : this.#pieces.slice(at, this.#n).join(''), lines: this.#svcLines };
  }

  /** A kept port's pieces (port-block.ts), written as they were taken: the whole of the current Service's lines. */
  replay(b: BlockPart): void {
    if (b.lines === 0) return;
    if (this.#svcLines === 0) this.#svcStart = this.#len;
    this.#svcLines += b.lines;
    this.#pieces[this.#n++] = b.text;
    this.#len += b.text.length;
  }

  /** Ends the current Service's text: `seg[part]` gets it ('' at once for none, else when its batch is joined). */
  end(seg: ServiceSegment): void {
    if (this.#svcLines === 0) {
      seg[this.part] = '';
      if (this.#direct) this.#record(NO_SEGMENT, -1, -1);
    } else {
      // After the first line's newline.
      this.#record(seg, this.#svcStart + 1, this.#len);
    }
    this.#svcLines = 0;
    if (this.#len >= BATCH_CHARS && !this.#direct) this.flush();
  }

  #record(seg: ServiceSegment, start: number, end: number): void {
    const k = this.#pending++;
    this.#segs[k] = seg;
    this.#starts[k] = start;
    this.#ends[k] = end;
  }

  /** Direct: the next Service's segment is `seg`, kept from an earlier render (its text is written as it is). */
  reuse(seg: ServiceSegment): void {
    const t = seg[this.part];
    if (t === '') {
      this.#record(NO_SEGMENT, -1, -1);
      return;
    }
    this.#pieces[this.#n++] = '\n';
    this.#pieces[this.#n++] = t;
    this.#record(NO_SEGMENT, this.#len + 1, this.#len + 1 + t.length);
    this.#len += 1 + t.length;
  }

  /** Direct: the part's pieces (each line with its newline first), to be joined where they go in the text. */
  pieces(): string[] {
    const p = this.#pieces;
    DIRECT_SIZES[this.part] = { services: this.#pending, pieces: this.#n };
    // Direct: never flushed, so the array holds exactly the pieces written (trimmed should it hold more).
    if (p.length !== this.#n) p.length = this.#n;
    return p;
  }

  /** The characters of pieces(). */
  get length(): number {
    return this.#len;
  }

  /**
   * Direct: `text` holds pieces() at `offset`: the rendered segments get their texts from it, and
   * `memo` the texts of its runs (the segments are the memo's current ones, in order).
   */
  place(text: string, offset: number, memo: RenderMemo): void {
    const segs = this.#segs;
    for (let k = 0; k < this.#pending; k++) {
      if (segs[k] !== NO_SEGMENT) segs[k][this.part] = text.slice(offset + this.#starts[k], offset + this.#ends[k]);
    }
    memo.adoptPlaces(this.part, text, offset, this.#starts, this.#ends, this.#pending);
    this.#pending = 0;
    this.#n = 0;
    this.#len = 0;
  }

  /** Joins the batch and gives each of its Services its text. */
  flush(): void {
    const n = this.#n;
    if (n === 0) return;
    const p = this.#pieces;
    // The pieces past n are an earlier batch's: blank them (or drop them when they are many).
    if (p.length > 4 * n + 64) p.length = n;
    else for (let i = n; i < p.length; i++) p[i] = '';
    const text = n === 1 ? p[0] : p.join('');
    const segs = this.#segs;
    for (let k = 0; k < this.#pending; k++) {
      segs[k][this.part] = text.slice(this.#starts[k], this.#ends[k]);
      segs[k] = NO_SEGMENT;
    }
    this.#pending = 0;
    this.#n = 0;
    this.#len = 0;
  }
}

const MASQ_JUMP = ` -j ${KUBE_MARK_MASQ}`;

/** `-m tcp -p tcp` and ` -m tcp -p tcp -j DNAT --to-destination `, by protocol (lowercase). */
const PROTO_ARGS = new Map<string, { args: string; dnat: string }>();
function protoStrings(proto: string): { args: string; dnat: string } {
  let t = PROTO_ARGS.get(proto);
  if (t === undefined) {
    const args = `-m ${proto} -p ${proto}`;
    PROTO_ARGS.set(proto, (t = { args, dnat: ` ${args} -j DNAT --to-destination ` }));
  }
  return t;
}
const protoArgs = (proto: string): string => protoStrings(proto).args;
const dnatHead = (proto: string): string => protoStrings(proto).dnat;

/** Characters per batch of a part's text: above V8's largest regular object (128 KiB), so a large object. */
const BATCH_CHARS = 256 * 1024;
/** The Services and pieces of each part in the last direct render (the size its next PartText arrays are made at). */
const DIRECT_SIZES: Record<SegmentPart, { services: number; pieces: number }> = {
  filterRules: { services: 0, pieces: 0 },
  natChains: { services: 0, pieces: 0 },
  natRules: { services: 0, pieces: 0 },
};
const NO_SEGMENT: ServiceSegment = { filterRules: '', natChains: '', natRules: '', natRuleCount: 0, active: [] };

/** Where an unchanged Service's own chain lines go on a partial sync (kube-proxy writes them to a buffer it drops): nowhere. */
const DISCARD: PartSink = {
  add: () => {},
  line: () => DISCARD,
  nl: () => DISCARD,
  s: () => DISCARD,
};

/** --nodeport-addresses (pkg/proxy/util/nodeport_addresses.go): null when every local address matches. */
function nodePortIPs(config: ProxierConfig): ParsedIp[] | null {
  const cidrs = (config.nodePortAddresses ?? []).map((c) => parseCidrSloppy(c)).filter((c) => c !== undefined && c.family === config.family);
  if (cidrs.length === 0 || cidrs.some((c) => c!.bits === 0)) return null;
  const out: ParsedIp[] = [];
  for (const c of cidrs) {
    for (const addrs of Object.values(config.interfaces)) {
      for (const a of addrs) {
        const ip = parseIpSloppy(a.split('/')[0]);
        if (ip && cidrContains(c!, ip) && !out.some((o) => o.text === ip.text)) out.push(ip);
      }
    }
  }
  return out;
}

/** Total endpoints over the Services (largeClusterMode is this above the threshold). */
export function totalEndpoints(services: readonly ServicePortInfo[], endpoints: ReadonlyMap<string, readonly EndpointInfo[]>): number {
  let n = 0;
  for (const s of services) n += endpoints.get(s.key)?.length ?? 0;
  return n;
}

let directRender = true;

/** Tests: false makes a render that writes every Service join its parts in batches, as a partial one does (the plain path of PartText's direct mode). */
export function setDirectRender(on: boolean): void {
  directRender = on;
}

/** syncProxyRules(): the restore text for one sync. */
export function renderSync(input: RenderInput): RenderResult {
  const { config } = input;
  const isIPv6 = config.family === 'IPv6';
  const localhostNodePorts = config.localhostNodePorts && !isIPv6;
  const mark = masqueradeMark(config);
  const memo = input.memo ?? new RenderMemo();
  const total = input.memo !== undefined && input.endpointTotal !== undefined ? input.endpointTotal : memo.endpointTotal(input.services, input.endpoints, input.touched);
  const largeClusterMode = total > config.largeClusterEndpointsThreshold;
  /** ` -m comment --comment TEXT` before the rest of a rule, or '' in largeClusterMode. */
  const comment = (s: string): string => (largeClusterMode ? '' : ` -m comment --comment ${q(s)}`);

  const filterChains = new Lines();
  const filterRules = new Lines();
  const natChains = new Lines();
  const natRules = new Lines();
  const active = new Set<string>();
  const chainLine = (name: string): string => `:${name} - [0:0]`;

  for (const c of [KUBE_SERVICES, KUBE_EXTERNAL_SERVICES, KUBE_FORWARD, KUBE_NODEPORTS, KUBE_PROXY_FIREWALL]) filterChains.write(chainLine(c));
  for (const c of [KUBE_SERVICES, KUBE_NODEPORTS, KUBE_POSTROUTING, KUBE_MARK_MASQ]) {
    natChains.write(chainLine(c));
    active.add(c);
  }
  natRules.write(`-A ${KUBE_POSTROUTING} -m mark ! --mark ${mark}/${mark} -j RETURN`);
  // Clear the mark so a packet re-traversing the stack is not masqueraded again.
  natRules.write(`-A ${KUBE_POSTROUTING} -j MARK --xor-mark ${mark}`);
  natRules.write(`-A ${KUBE_POSTROUTING} -m comment --comment "kubernetes service traffic requiring SNAT" -j MASQUERADE${config.hasRandomFully ? ' --random-fully' : ''}`);
  natRules.write(`-A ${KUBE_MARK_MASQ} -j MARK --or-mark ${mark}`);
  if (localhostNodePorts) {
    // route_localnet=1 (set for localhost NodePorts) makes 127.0.0.0/8 routable from outside: issue 90259.
    filterChains.write(chainLine(KUBE_FIREWALL));
    filterRules.write(`-A ${KUBE_FIREWALL} -m comment --comment "block incoming localnet connections" -d 127.0.0.0/8 ! -s 127.0.0.0/8 -m conntrack ! --ctstate RELATED,ESTABLISHED,DNAT -j DROP`);
  }

  const nodeIP = parseIpSloppy(config.nodeIP);
  // The local-traffic detector's arguments are the same for every Service.
  const notLocalArgs = detectorArgs(config.localDetector, false);
  const localArgs = detectorArgs(config.localDetector, true);
  const notLocalMasq = ` ${notLocalArgs} -j ${KUBE_MARK_MASQ}`;

  const rendered = { services: input.services, config, large: largeClusterMode, changed: input.changedServices };
  const only = memo.toRender(rendered, input.touched);
  // Every Service written, in order: the parts' pieces go straight into the text (PartText direct).
  const direct = only === null && directRender;
  // The Services' lines, per part (renderService is not re-entered).
  const n = input.services.length;
  const svcFilterRules = new PartText('filterRules', direct, n);
  const svcNatChains = new PartText('natChains', direct, n);
  const svcNatRules = new PartText('natRules', direct, n);

  /** One Service port's lines, each sink's in the order written (they are contiguous per Service in each sink). */
  function renderService(svc: ServicePortInfo, eps: readonly EndpointInfo[], partialSkip: boolean): ServiceSegment {
    const filterRules = svcFilterRules;
    const natChains = svcNatChains;
    const natRules = svcNatRules;
    const N = svc.name;
    // sepChain(svc, ep) for each endpoint, the service port's names looked up once.
    const sepNames = svc.endpointChains;
    // The port's most written lines, kept with what they are made of (line-memo.ts).
    const portMemo = portLines(sepNames, N, svc.proto, svc.clusterIP, svc.port);
    // A plain port rendered before from the same values: its pieces as they were written (port-block.ts).
    const plain = portBlocksEnabled() && plainPort(svc);
    if (plain) {
      const b = portMemo.block;
      if (b !== null && blockMatches(b, eps, config.masqueradeAll, notLocalArgs, largeClusterMode, partialSkip)) {
        filterRules.replay(b.filterRules);
        natChains.replay(b.natChains);
        natRules.replay(b.natRules);
        const kept: ServiceSegment = { filterRules: '', natChains: '', natRules: '', natRuleCount: b.natRules.lines, active: b.active };
        filterRules.end(kept);
        natChains.end(kept);
        natRules.end(kept);
        return kept;
      }
    }
    const filterAt = filterRules.at;
    const chainsAt = natChains.at;
    const rulesAt = natRules.at;
    const activeHere: string[] = [];
    const P = protoArgs(svc.proto);
    const cat = categorizeEndpoints(eps, svc);
    const hasEndpoints = cat.hasAny;
    const usesCluster = cat.cluster.length > 0 && usesClusterEndpoints(svc);
    const usesLocal = cat.local.length > 0 && usesLocalEndpoints(svc);
    const { svc: clusterChain, svl: localChain, ext: extChain, fw: fwChain } = svc.chains;
    let internalChain = clusterChain;
    let hasInternal = hasEndpoints;
    if (svc.internalPolicyLocal) {
      internalChain = localChain;
      if (cat.local.length === 0) hasInternal = false;
    }
    let externalPolicyChain = clusterChain;
    let hasExternal = hasEndpoints;
    if (svc.externalPolicyLocal) {
      externalPolicyChain = localChain;
      if (cat.local.length === 0) hasExternal = false;
    }
    // Based on hasEndpoints, not hasExternal: the short-circuit rules are needed without local endpoints too.
    const usesExt = hasEndpoints && externallyAccessible(svc);
    const usesFW = hasEndpoints && svc.loadBalancerVIPs.length > 0 && svc.loadBalancerSourceRanges.length > 0;
    const lbChain = usesFW ? fwChain : extChain;
    let internalTarget = '';
    let internalComment = '';
    let externalTarget = '';
    let externalComment = '';
    if (!hasEndpoints) {
      internalTarget = externalTarget = 'REJECT';
      internalComment = externalComment = `"${N} has no endpoints"`;
    } else {
      if (!hasInternal) {
        internalTarget = 'DROP';
        internalComment = `"${N} has no local endpoints"`;
      }
      if (!hasExternal) {
        externalTarget = 'DROP';
        externalComment = `"${N} has no local endpoints"`;
      }
    }

    // The cluster IP.
    if (hasInternal) natRules.nl(servicesRule(portMemo, internalChain), 1);
    else filterRules.add(`-A ${KUBE_SERVICES} -m comment --comment ${internalComment} ${P} -d ${svc.clusterIP} --dport ${svc.port} -j ${internalTarget}`);
    for (const ip of svc.externalIPs) {
      if (hasEndpoints) natRules.add(`-A ${KUBE_SERVICES} -m comment --comment "${N} external IP" ${P} -d ${ip} --dport ${svc.port} -j ${extChain}`);
      if (!hasExternal) filterRules.add(`-A ${KUBE_EXTERNAL_SERVICES} -m comment --comment ${externalComment} ${P} -d ${ip} --dport ${svc.port} -j ${externalTarget}`);
    }
    for (const vip of svc.loadBalancerVIPs) {
      if (hasEndpoints) natRules.add(`-A ${KUBE_SERVICES} -m comment --comment "${N} loadbalancer IP" ${P} -d ${vip} --dport ${svc.port} -j ${lbChain}`);
      if (usesFW) filterRules.add(`-A ${KUBE_PROXY_FIREWALL} -m comment --comment "${N} traffic not accepted by ${fwChain}" ${P} -d ${vip} --dport ${svc.port} -j DROP`);
    }
    if (!hasExternal) {
      for (const vip of svc.loadBalancerVIPs) filterRules.add(`-A ${KUBE_EXTERNAL_SERVICES} -m comment --comment ${externalComment} ${P} -d ${vip} --dport ${svc.port} -j ${externalTarget}`);
    }
    if (svc.nodePort !== 0) {
      if (hasEndpoints) {
        if (localhostNodePorts && config.nfacctCounters[LOCALHOST_NPS_COUNTER]) {
          natRules.add(`-A ${KUBE_NODEPORTS} -m comment --comment ${q(N)} ${P} -d 127.0.0.0/8 --dport ${svc.nodePort} -m nfacct --nfacct-name ${LOCALHOST_NPS_COUNTER} -j ${extChain}`);
        }
        // NodePorts are not subject to loadBalancerSourceRanges.
        natRules.add(`-A ${KUBE_NODEPORTS} -m comment --comment ${q(N)} ${P} --dport ${svc.nodePort} -j ${extChain}`);
      }
      if (!hasExternal) filterRules.add(`-A ${KUBE_EXTERNAL_SERVICES} -m comment --comment ${externalComment} -m addrtype --dst-type LOCAL ${P} --dport ${svc.nodePort} -j ${externalTarget}`);
    }
    if (svc.healthCheckNodePort !== 0) {
      filterRules.add(`-A ${KUBE_NODEPORTS} -m comment --comment "${N} health check node port" -m tcp -p tcp --dport ${svc.healthCheckNodePort} -j ACCEPT`);
    }

    const chains = partialSkip ? DISCARD : natChains;
    const rules = partialSkip ? DISCARD : natRules;
    const declare = (c: string): void => {
      if (!partialSkip) chains.nl(c === clusterChain ? portChainLine(portMemo, c) : makeChainLine(c), 1);
      activeHere.push(c);
    };

    if (hasInternal) {
      if (config.masqueradeAll) rules.add(`-A ${internalChain} -m comment --comment "${N} cluster IP" ${P} -d ${svc.clusterIP} --dport ${svc.port} -j ${KUBE_MARK_MASQ}`);
      else {
        // Off-cluster traffic to a cluster IP is masqueraded so the reply comes back through this node.
        const notLocal = notLocalArgs;
        if (notLocal !== null && !partialSkip) rules.nl(masqRule(portMemo, internalChain, notLocalMasq), 1);
      }
    }
    if (usesExt) {
      declare(extChain);
      if (!svc.externalPolicyLocal) {
        rules.add(`-A ${extChain} -m comment --comment "masquerade traffic for ${N} external destinations" -j ${KUBE_MARK_MASQ}`);
      } else {
        // Pod -> external destination is subject to neither policy, as if it went out to the LB and back.
        const local = localArgs;
        if (local !== null) rules.add(`-A ${extChain} -m comment --comment "pod traffic for ${N} external destinations" ${local} -j ${clusterChain}`);
        rules.add(`-A ${extChain} -m comment --comment "masquerade LOCAL traffic for ${N} external destinations" -m addrtype --src-type LOCAL -j ${KUBE_MARK_MASQ}`);
        rules.add(`-A ${extChain} -m comment --comment "route LOCAL traffic for ${N} external destinations" -m addrtype --src-type LOCAL -j ${clusterChain}`);
      }
      if (hasExternal) rules.add(`-A ${extChain} -j ${externalPolicyChain}`);
    }
    if (usesFW) {
      declare(fwChain);
      const head = `-A ${fwChain} -m comment --comment "${N} loadbalancer IP"`;
      let allowFromNode = false;
      for (const r of svc.loadBalancerSourceRanges) {
        rules.add(`${head} -s ${r.text} -j ${extChain}`);
        if (nodeIP && cidrContains(r, nodeIP)) allowFromNode = true;
      }
      // A VIP held on the node loops back with the VIP as its source.
      if (allowFromNode) for (const vip of svc.loadBalancerVIPs) rules.add(`${head} -s ${vip} -j ${extChain}`);
      rules.add(`-A ${fwChain} -m comment --comment "other traffic to ${N} will be dropped by KUBE-PROXY-FIREWALL"`);
    }
    const toEndpoints = (chain: string, list: readonly EndpointInfo[]): void => {
      // Nothing of these rules is kept on a partial sync that skips the Service (its chain is declared below).
      if (partialSkip) return;
      if (svc.affinitySeconds !== null) {
        const head = `-A ${chain}`;
        for (const ep of list) {
          const sep = sepNames.name(ep.text);
          rules.add(`${head}${comment(`${N} -> ${ep.text}`)} -m recent --name ${sep} --rcheck --seconds ${svc.affinitySeconds} --reap -j ${sep}`);
        }
      }
      const n = list.length;
      for (let i = 0; i < n; i++) {
        const ep = list[i];
        const c = sepNames.chain(ep.text);
        rules.nl(sepJump(endpointLines(c, N, svc.proto, ep.ip, ep.text), c.name, chain, n - i, largeClusterMode), 1);
      }
    };
    if (usesCluster) {
      declare(clusterChain);
      toEndpoints(clusterChain, cat.cluster);
    }
    if (usesLocal) {
      declare(localChain);
      toEndpoints(localChain, cat.local);
    }
    const sepComment = svc.affinitySeconds === null ? '' : comment(N);
    const dnatArgs = svc.affinitySeconds === null ? '' : dnatHead(svc.proto);
    for (const ep of cat.allReachable) {
      const c = sepNames.chain(ep.text);
      const sep = c.name;
      activeHere.push(sep);
      if (partialSkip) continue;
      const memo = endpointLines(c, N, svc.proto, ep.ip, ep.text);
      natChains.nl(sepChainLine(memo, sep), 1);
      if (svc.affinitySeconds === null) {
        rules.nl(sepRules(memo, sep, largeClusterMode), 2);
        continue;
      }
      // Hairpin: a pod reaching itself through the Service is masqueraded so the reply comes back via the node.
      rules.line('-A ').s(sep);
      if (sepComment !== '') rules.s(sepComment);
      rules.s(' -s ').s(ep.ip).s(MASQ_JUMP);
      rules.line('-A ').s(sep);
      if (sepComment !== '') rules.s(sepComment);
      rules.s(' -m recent --name ').s(sep).s(' --set');
      rules.s(dnatArgs).s(ep.text);
    }
    // Kept for the port's next render from the same values, once it has been rendered before (port-block.ts).
    if (plain && portMemo.renders++ > 0) {
      const block: PortBlock = {
        masqueradeAll: config.masqueradeAll, notLocal: notLocalArgs, large: largeClusterMode, skip: partialSkip,
        eps: endpointKey(eps),
        filterRules: filterRules.taken(filterAt),
        natChains: natChains.taken(chainsAt),
        natRules: natRules.taken(rulesAt),
        active: activeHere,
      };
      portMemo.block = block;
    }
    // The texts are set when the batch is joined (PartText.flush(), before the segments are read).
    const seg: ServiceSegment = { filterRules: '', natChains: '', natRules: '', natRuleCount: natRules.count, active: activeHere };
    filterRules.end(seg);
    natChains.end(seg);
    natRules.end(seg);
    return seg;
  }

  const flushParts = (): void => {
    svcFilterRules.flush();
    svcNatChains.flush();
    svcNatRules.flush();
  };
  const segments = input.segments;
  // None kept yet (a proxier's first sync): nothing to look up (each Service port's key is its own).
  const noneKept = segments === undefined || segments.size === 0;
  // The endpoint lists the total was just counted from (render-memo.ts), by position: no second lookup of each.
  const lists = memo.countedLists(input.services);
  /** The segment of the Service port `svc` (at `i` in input.services): kept while what it is made of is the same. */
  const segmentOf = (svc: ServicePortInfo, i: number): ServiceSegment => {
    const eps = (lists !== null ? lists[i] : input.endpoints.get(svc.key)) ?? NO_ENDPOINTS;
    // An unchanged Service's own chains keep their contents in the kernel: kube-proxy writes them to a buffer it
    // drops; here they are mostly not built at all (the KUBE-SERVICES lines and chain names still are).
    const partialSkip = input.changedServices !== null && !input.changedServices.has(svc.service);
    let memo = noneKept ? undefined : segments?.get(svc.key);
    if (memo !== undefined && (memo.svc !== svc || memo.eps !== eps || memo.config !== config || memo.large !== largeClusterMode)) memo = undefined;
    let seg = partialSkip ? memo?.skipped : memo?.written;
    if (seg === undefined) {
      seg = renderService(svc, eps, partialSkip);
      if (memo === undefined) {
        // Both variants' fields in the literal: set later, they would each add a property array to the object.
        memo = { svc, eps, config, large: largeClusterMode, written: undefined, skipped: undefined };
        segments?.set(svc.key, memo);
      }
      if (partialSkip) memo.skipped = seg;
      else memo.written = seg;
    } else if (direct) {
      svcFilterRules.reuse(seg);
      svcNatChains.reuse(seg);
      svcNatRules.reuse(seg);
    }
    return seg;
  };
  if (only === null) {
    const segs: ServiceSegment[] = [];
    const services = input.services;
    for (let i = 0; i < services.length; i++) segs.push(segmentOf(services[i], i));
    if (!direct) flushParts();
    memo.update(segs);
  } else {
    // The other Services' segments are the last render's: the same ServicePortInfo, endpoints, mode and skip.
    const segs = only.map((i) => segmentOf(input.services[i], i));
    flushParts();
    only.forEach((i, k) => memo.replace(i, segs[k]));
  }
  memo.rendered(rendered);
  if (segments !== undefined && segments.size > 2 * input.services.length + 64) {
    // Mostly gone Services' segments: keep the current ones only.
    const keys = new Set<string>();
    for (const svc of input.services) keys.add(svc.key);
    for (const k of segments.keys()) if (!keys.has(k)) segments.delete(k);
  }
  let natRuleLines = memo.natRuleLines();
  const activeNatChain = (c: string): boolean => active.has(c) || memo.declares(c);
  // The Services' lines come between the head lines written above and the tail lines written below.
  const filterHead = filterRules.lines.splice(0);
  const natChainsHead = natChains.lines.splice(0);
  const natRulesHead = natRules.lines.splice(0);

  const deleted: string[] = [];
  if (input.existingNatChains !== null) {
    // The stale ones, in sorted order (sorting only them: the table holds tens of thousands of chains).
    const stale: string[] = [];
    for (const c of input.existingNatChains) if (!activeNatChain(c) && isServiceChainName(c)) stale.push(c);
    for (const c of stale.sort()) {
      // A chain line flushes it, then -X deletes it.
      natChains.write(chainLine(c));
      natRules.write(`-X ${c}`);
      deleted.push(c);
    }
  }

  // The nodeports jump must be the last rule of KUBE-SERVICES.
  const npIPs = nodePortIPs(config);
  if (npIPs === null) {
    const notLo = isIPv6 ? '! -d ::1/128' : !localhostNodePorts ? '! -d 127.0.0.0/8' : null;
    natRules.write(`-A ${KUBE_SERVICES} -m comment --comment ${NODEPORTS_COMMENT} -m addrtype --dst-type LOCAL`, notLo, `-j ${KUBE_NODEPORTS}`);
  } else {
    for (const ip of npIPs) {
      if (isLoopback(ip) && (isIPv6 || !localhostNodePorts)) continue;
      natRules.write(`-A ${KUBE_SERVICES} -m comment --comment ${NODEPORTS_COMMENT} -d ${ip.text} -j ${KUBE_NODEPORTS}`);
    }
  }

  // Issue 74839: conntrack-INVALID packets reset connections unless dropped (not needed with tcp_be_liberal).
  if (!config.conntrackTCPLiberal) {
    const acct = config.nfacctCounters[INVALID_COUNTER] ? `-m nfacct --nfacct-name ${INVALID_COUNTER}` : null;
    filterRules.write(`-A ${KUBE_FORWARD} -m conntrack --ctstate INVALID`, acct, '-j DROP');
  }
  filterRules.write(`-A ${KUBE_FORWARD} -m comment --comment "kubernetes forwarding rules" -m mark --mark ${mark}/${mark} -j ACCEPT`);
  filterRules.write(`-A ${KUBE_FORWARD} -m comment --comment "kubernetes forwarding conntrack rule" -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT`);

  natRuleLines += natRulesHead.length + natRules.lines.length;
  if (direct) {
    // The same text as the joined lines below: every line after the first with its newline first. The head and
    // tail lines of each part go into small arrays, and the Services' pieces (hundreds of thousands) are copied
    // once, in bulk, by concat() into the array joined (not pushed one by one).
    // The prefix is the first piece: the Services' places in the text count it.
    const prefix = input.prefix ?? '';
    let out: string[] = [prefix, '*filter'];
    let len = prefix.length + out[1].length;
    const put = (lines: readonly string[]): void => {
      for (const l of lines) {
        out.push('\n', l);
        len += 1 + l.length;
      }
    };
    const chunks: string[][] = [];
    const pieces = (part: PartText): number => {
      chunks.push(out, part.pieces());
      out = [];
      const at = len;
      len += part.length;
      return at;
    };
    put(filterChains.lines);
    put(filterHead);
    const filterAt = pieces(svcFilterRules);
    put(filterRules.lines);
    put(['COMMIT', '*nat']);
    put(natChainsHead);
    const chainsAt = pieces(svcNatChains);
    put(natChains.lines);
    put(natRulesHead);
    const rulesAt = pieces(svcNatRules);
    put(natRules.lines);
    put(['COMMIT', '']);
    chunks.push(out);
    out = chunks[0].concat(chunks[1], chunks[2], chunks[3], chunks[4], chunks[5], chunks[6]);
    const text = out.join('');
    svcFilterRules.place(text, filterAt, memo);
    svcNatChains.place(text, chainsAt, memo);
    svcNatRules.place(text, rulesAt, memo);
    return { text, activeNatChain, deletedChains: deleted, largeClusterMode, natRuleLines };
  }
  const parts: string[] = ['*filter'];
  const add = (lines: readonly string[]): void => {
    for (const l of lines) parts.push(l);
  };
  // Runs of segments not joined yet are joined as part of the text, then taken out of it (memo.adopt()).
  const later: UnjoinedRun[] = [];
  add(filterChains.lines);
  add(filterHead);
  memo.write('filterRules', parts, later);
  add(filterRules.lines);
  parts.push('COMMIT', '*nat');
  add(natChainsHead);
  memo.write('natChains', parts, later);
  add(natChains.lines);
  add(natRulesHead);
  memo.write('natRules', parts, later);
  add(natRules.lines);
  parts.push('COMMIT', '');
  const text = parts.join('\n');
  memo.adopt(text, parts, later);
  // The memo's runs are slices of the text without the prefix (a render in batches: a partial sync, or tests).
  const prefixed = input.prefix === undefined || input.prefix === '' ? text : input.prefix + text;
  return { text: prefixed, activeNatChain, deletedChains: deleted, largeClusterMode, natRuleLines };
}
