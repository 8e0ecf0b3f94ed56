// The outer header of a VXLAN hop, on both sides: the kernel's as a `tcpdump -v` on the underlay device of every
// namespace that owns a vxlan device printed it, the emulator's from its first `vxlan-encap` hop and the
// `output-route` hop after it. Outer source, destination, UDP destination port and VNI must be equal; the
// source port is a hash of the inner flow (vxlan_xmit_one() -> udp_flow_src_port()), so only its range is
// checked; outer TTL 64 and DF clear are what the emulator models, checked on the kernel's packet.

import type { WorldSpec } from '../kernel/netns/world-spec.js';
import type { TraceSpec } from '../scenario/model.js';
import type { Hop } from '../trace/model.js';
import { formatIpv4 } from '../wire/ipv4-addr.js';
import { startTcpdump } from './probe.js';
import type { LivePids, TcpdumpCapture } from './probe.js';

/** One VXLAN packet's outer IP/UDP/VXLAN header, and the inner addresses where tcpdump printed them. */
export interface VxlanOuter {
  src: string;
  dst: string;
  sport: number;
  dport: number;
  vni: number;
  /** Outer IP TTL and DF: only a `-v` capture shows them. */
  ttl?: number;
  df?: boolean;
  /** The namespace (spec name) whose capture saw it first. */
  netns?: string;
  /** `HH:MM:SS.us` of the capture. */
  time?: string;
  innerSrc?: string;
  innerDst?: string;
}

/** Linux: udp_flow_src_port() picks from inet_get_local_port_range(), 32768-60999 by default. */
export const VXLAN_SPORT_RANGE = { min: 32768, max: 60999 } as const;

/** Linux: iptunnel_xmit() sends with the vxlan device's ttl, 0 meaning ip4_dst_hoplimit(): 64. */
export const VXLAN_OUTER_TTL = 64;

const IPV4 = String.raw`\d+\.\d+\.\d+\.\d+`;
/** `HH:MM:SS.us [IFACE DIR] IP (tos 0x0, ttl 64, id 1, offset 0, flags [none], proto UDP (17), length 134)` */
const OUTER_IP = new RegExp(String.raw`^(\d\d:\d\d:\d\d\.\d+)\s+(?:\S+\s+(?:In|Out|M|B|P)\s+)?IP \((.*)\)\s*$`);
/**
 * tcpdump names UDP 8472 OTV and prints the VNI as `instance` (print-otv.c: same 8-byte layout as VXLAN);
 * 4789 it prints as `VXLAN ... vni N` (print-vxlan.c). Both forms, `-v` (indented) and not.
 */
const UDP_VXLAN = new RegExp(
  String.raw`(?:^|\s)(${IPV4})\.(\d+) > (${IPV4})\.(\d+): (?:VXLAN, flags \[I\] \(0x08\), vni (\d+)|OTV, flags \[I\] \(0x08\), overlay \d+, instance (\d+))`,
);
/** The inner packet's addresses: `    10.244.0.2.34804 > 10.244.1.2.8080: Flags [S]` or `10.244.0.2 > 10.244.1.0: ICMP`. */
const INNER = new RegExp(String.raw`^\s+(${IPV4})(?:\.\d+)? > (${IPV4})(?:\.\d+)?: `);

/** The VXLAN packets in the lines of `tcpdump -n -l -v udp port N`, in capture order. */
export function parseTcpdumpVxlan(lines: readonly string[]): VxlanOuter[] {
  const out: VxlanOuter[] = [];
  let header: { time: string; ttl?: number; df?: boolean } | undefined;
  let last: VxlanOuter | undefined;
  for (const line of lines) {
    const ip = OUTER_IP.exec(line);
    if (ip !== null) {
      header = { time: ip[1], ...ipFacts(ip[2]) };
      last = undefined;
      continue;
    }
    const udp = UDP_VXLAN.exec(line);
    if (udp !== null && header !== undefined) {
      last = {
        src: udp[1], sport: Number(udp[2]), dst: udp[3], dport: Number(udp[4]), vni: Number(udp[5] ?? udp[6]), time: header.time,
      };
      if (header.ttl !== undefined) last.ttl = header.ttl;
      if (header.df !== undefined) last.df = header.df;
      out.push(last);
      header = undefined;
      continue;
    }
    const inner = INNER.exec(line);
    if (inner !== null && last !== undefined && last.innerSrc === undefined) {
      last.innerSrc = inner[1];
      last.innerDst = inner[2];
    }
  }
  return out;
}

/** `tos 0x0, ttl 64, id 4135, offset 0, flags [none], proto UDP (17), length 134`: TTL and DF. */
function ipFacts(text: string): { ttl?: number; df?: boolean } {
  const facts: { ttl?: number; df?: boolean } = {};
  const ttl = /\bttl (\d+)/.exec(text);
  if (ttl !== null) facts.ttl = Number(ttl[1]);
  const flags = /\bflags \[([^\]]*)\]/.exec(text);
  if (flags !== null) facts.df = flags[1].split(/[+,\s]/).includes('DF');
  return facts;
}

/** The emulator's first VXLAN hop: the outer packet of the `output-route` hop after its first `vxlan-encap`. */
export function emulatorVxlanOuter(hops: readonly Hop[]): VxlanOuter | undefined {
  const encap = hops.findIndex((h) => h.stage === 'vxlan-encap');
  if (encap < 0) return undefined;
  const after = hops.slice(encap + 1).find((h) => h.stage === 'output-route' && h.packet !== undefined);
  const parsed = after?.packet !== undefined ? UDP_VXLAN.exec(after.packet) : null;
  if (parsed === null) throw new Error(`invariant: vxlan-encap in ${hops[encap].netns} without an outer packet after it`);
  return {
    src: parsed[1], sport: Number(parsed[2]), dst: parsed[3], dport: Number(parsed[4]), vni: Number(parsed[5] ?? parsed[6]),
    netns: hops[encap].netns,
  };
}

/** What the two sides' first outer headers say, and every way they differ, in words. */
export interface VxlanComparison {
  agree: boolean;
  problems: string[];
}

/** Compares the outer headers (see the file comment for which fields, and why not the source port). */
export function compareVxlanOuter(emulator: VxlanOuter | undefined, kernel: VxlanOuter | undefined): VxlanComparison {
  if (emulator === undefined && kernel === undefined) return { agree: true, problems: [] };
  if (emulator === undefined) return { agree: false, problems: ['only the kernel sent a VXLAN packet'] };
  if (kernel === undefined) return { agree: false, problems: ['no VXLAN packet on the underlay'] };
  const problems: string[] = [];
  if (emulator.src !== kernel.src) problems.push(`outer src ${emulator.src} vs ${kernel.src}`);
  if (emulator.dst !== kernel.dst) problems.push(`outer dst ${emulator.dst} vs ${kernel.dst}`);
  if (emulator.dport !== kernel.dport) problems.push(`dport ${emulator.dport} vs ${kernel.dport}`);
  if (emulator.vni !== kernel.vni) problems.push(`vni ${emulator.vni} vs ${kernel.vni}`);
  for (const [side, o] of [['emulator', emulator], ['kernel', kernel]] as const) {
    if (o.sport < VXLAN_SPORT_RANGE.min || o.sport > VXLAN_SPORT_RANGE.max) problems.push(`${side} sport ${o.sport} outside 32768-60999`);
  }
  if (kernel.ttl !== VXLAN_OUTER_TTL) problems.push(`kernel outer ttl ${kernel.ttl ?? '?'}, not ${VXLAN_OUTER_TTL}`);
  if (kernel.df !== false) problems.push(`kernel outer DF ${kernel.df === true ? 'set' : 'unknown'}`);
  return { agree: problems.length === 0, problems };
}

/** One line for the table: the agreed header, or what differs. */
export function describeVxlan(emulator: VxlanOuter | undefined, kernel: VxlanOuter | undefined, c: VxlanComparison): string {
  if (!c.agree) return c.problems.join('; ');
  const o = kernel ?? emulator;
  return o === undefined ? '' : `vni ${o.vni} ${o.src} > ${o.dst}:${o.dport}`;
}

/** The first outer packet of the probe's direction: its inner packet is from the source or to the destination. */
export function probeDirection(outers: readonly VxlanOuter[], spec: WorldSpec, trace: TraceSpec): VxlanOuter | undefined {
  const own = new Set(spec.namespaces.find((n) => n.name === trace.from)?.links.flatMap((l) => l.addresses.map((a) => formatIpv4(a.addr))) ?? []);
  if (trace.src !== undefined) own.add(formatIpv4(trace.src));
  const dst = formatIpv4(trace.dst);
  const sorted = [...outers].sort((a, b) => (a.time ?? '').localeCompare(b.time ?? ''));
  return sorted.find((o) => (o.innerSrc !== undefined && own.has(o.innerSrc)) || o.innerDst === dst) ?? sorted[0];
}

/** The vxlan devices' underlay devices, per namespace that owns one: where a capture sees the outer packets. */
export function vxlanUnderlays(spec: WorldSpec): { netns: string; dev: string; dstports: number[] }[] {
  const out: { netns: string; dev: string; dstports: number[] }[] = [];
  for (const n of spec.namespaces) {
    for (const l of n.links) {
      if (l.type !== 'vxlan' || l.vxlan?.dev === undefined) continue;
      const dev = l.vxlan.dev;
      const seen = out.find((x) => x.netns === n.name && x.dev === dev);
      if (seen === undefined) out.push({ netns: n.name, dev, dstports: [l.vxlan.dstport] });
      else if (!seen.dstports.includes(l.vxlan.dstport)) seen.dstports.push(l.vxlan.dstport);
    }
  }
  return out;
}

/** Bounded `tcpdump -v` on every underlay of a realized world, started before the probe and ended by PID after. */
export class VxlanCapture {
  readonly #captures: { netns: string; proc: TcpdumpCapture }[] = [];

  private constructor() {}

  static async start(spec: WorldSpec, prefix: string, seconds: number, readyMs: number, live?: LivePids): Promise<VxlanCapture> {
    const c = new VxlanCapture();
    try {
      for (const u of vxlanUnderlays(spec)) {
        const filter = u.dstports.map((p) => `udp port ${p}`).join(' or ');
        const proc = await startTcpdump(`${prefix}${u.netns}`, seconds, ['--immediate-mode', '-n', '-l', '-v', '-i', u.dev, filter], readyMs, live);
        c.#captures.push({ netns: u.netns, proc });
      }
    } catch (e) {
      await c.stop();
      throw e;
    }
    return c;
  }

  /** Waits (bounded) for a whole first packet, then ends the captures and returns what they saw. */
  async finish(ms: number): Promise<VxlanOuter[]> {
    const some = () => this.#captures.some(({ proc }) => parseTcpdumpVxlan(proc.lines).some((o) => o.innerSrc !== undefined));
    if (this.#captures.length > 0) await Promise.race(this.#captures.map(({ proc }) => proc.waitFor(some, ms)));
    await this.stop();
    return this.#captures.flatMap(({ netns, proc }) => parseTcpdumpVxlan(proc.lines).map((o) => ({ ...o, netns })));
  }

  async stop(): Promise<void> {
    await Promise.all(this.#captures.map(({ proc }) => proc.stop()));
  }
}
