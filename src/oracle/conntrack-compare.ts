// The emulator's conntrack entries against `conntrack -L` from the same namespace after the same trace.
// Compared: which connections exist, per namespace, by their original and reply tuples. Not compared: the
// timeout, the TCP state (the real probe closes its socket, the emulator's trace ends at the handshake),
// marks, use counts, zones, status flags, and the values of ports and ICMP ids a NAT or the tool chose; the
// source port of a VXLAN outer flow is the kernel's per-boot hash (random-ports.ts) and is written `*`.

import type { ConntrackSeen } from '../trace/model.js';
import { isVxlanOuterFlow } from './random-ports.js';
import type { VxlanFlowSource } from './random-ports.js';

/** One connection, normalized: "router tcp src=10.0.1.2 dst=10.0.2.2 sport=40000 dport=80 | src=... ". */
export type ConntrackKey = string;

/** The tuple fields `conntrack -L` prints, in its order; the rest of a line is not identity. */
const TUPLE_KEYS = ['src', 'dst', 'sport', 'dport', 'type', 'code', 'id'] as const;

/** Only these are compared: the kernel also tracks what the namespaces send by themselves (IGMP reports). */
const PROTOS = new Set(['tcp', 'udp', 'icmp', 'sctp']);

interface ParsedEntry {
  proto: string;
  orig: Map<string, string>;
  reply: Map<string, string>;
}

/**
 * One `conntrack -L` line: `tcp 6 117 TIME_WAIT src=.. dst=.. sport=.. dport=.. src=.. dst=.. sport=.. dport=..
 * [ASSURED] mark=0 use=1`. The second `src=` starts the reply tuple (conntrack-tools' print order).
 */
export function parseConntrackLine(line: string): ParsedEntry | undefined {
  const words = line.trim().split(/\s+/);
  const proto = words[0];
  if (proto === undefined || !/^[a-z0-9]+$/.test(proto)) return undefined;
  const orig = new Map<string, string>();
  const reply = new Map<string, string>();
  let tuple: Map<string, string> | undefined;
  for (const w of words.slice(1)) {
    const m = /^([a-z]+)=(\S*)$/.exec(w);
    if (m === null) continue;
    const [, k, v] = m;
    if (k === 'src') tuple = tuple === undefined ? orig : reply;
    if (tuple !== undefined && (TUPLE_KEYS as readonly string[]).includes(k) && !tuple.has(k)) tuple.set(k, v);
  }
  if (orig.size === 0) return undefined;
  return { proto, orig, reply };
}

function parseTuple(text: string): Map<string, string> {
  const t = new Map<string, string>();
  for (const w of text.trim().split(/\s+/)) {
    const m = /^([a-z]+)=(\S*)$/.exec(w);
    if (m !== null && (TUPLE_KEYS as readonly string[]).includes(m[1]) && !t.has(m[1])) t.set(m[1], m[2]);
  }
  return t;
}

/** The ports the kernel draws at random in this trace's world (random-ports.ts). */
export interface RandomPorts {
  /** VXLAN outer flows: their source port is `*`. */
  vxlan?: readonly VxlanFlowSource[];
  /**
   * Namespaces where a --random-fully source NAT acted: the address:port it picked (the reply tuple's
   * destination of its entry there) is `*` in every namespace's entries, downstream ones too.
   */
  randomNat?: ReadonlySet<string>;
}

/**
 * The connection as a comparable key. A reply tuple's destination port (or ICMP id) that differs from the
 * original's source port (id) is one a NAT picked (nf_nat_l4proto_unique_tuple(), random with --random or on
 * a clash): it is written `*` so that the kernel's pick and the emulator's compare equal, while "kept" against
 * "remapped" still differs. ICMP echo ids are ping's own choice: always `*`. A UDP flow from a VTEP to its
 * VXLAN port (`random.vxlan`) has the kernel's hashed source port: `*` on both tuples; so has a port a
 * --random-fully NAT picked (`picked`, "addr:port"), wherever it shows.
 */
export function conntrackKey(netns: string, e: ParsedEntry, random: RandomPorts = {}, picked: ReadonlySet<string> = new Set()): ConntrackKey {
  const orig = new Map(e.orig);
  const reply = new Map(e.reply);
  if (e.proto === 'udp' && isVxlanOuterFlow(random.vxlan ?? [], orig.get('src'), orig.get('dport'))) {
    if (orig.has('sport')) orig.set('sport', '*');
    if (reply.has('dport')) reply.set('dport', '*');
  } else if (e.proto === 'icmp') {
    if (orig.has('id')) orig.set('id', '*');
    if (reply.has('id')) reply.set('id', '*');
  } else {
    if (picked.has(`${orig.get('src')}:${orig.get('sport')}`)) orig.set('sport', '*');
    if (reply.has('dport') && (reply.get('dport') !== e.orig.get('sport') || picked.has(`${reply.get('dst')}:${reply.get('dport')}`))) reply.set('dport', '*');
  }
  const text = (t: Map<string, string>) => TUPLE_KEYS.filter((k) => t.has(k)).map((k) => `${k}=${t.get(k)}`).join(' ');
  return `${netns} ${e.proto} ${text(orig)} | ${text(reply)}`;
}

/** Keys for entries of several namespaces: the ports the random NATs picked found first, then each key. */
function keysOf(entries: readonly { netns: string; e: ParsedEntry }[], random: RandomPorts): ConntrackKey[] {
  const picked = new Set<string>();
  for (const { netns, e } of entries) {
    if (random.randomNat?.has(netns) !== true || e.proto === 'icmp') continue;
    const port = e.reply.get('dport');
    if (port !== undefined && port !== e.orig.get('sport')) picked.add(`${e.reply.get('dst')}:${port}`);
  }
  // VXLAN outer flows once each: how many entries a node keeps for them is as random as their source ports. A
  // local TCP socket's packets carry its sk_txhash (sk_set_txhash(): a random number per socket) as the skb
  // hash udp_flow_src_port() uses, so two connections with the same inner tuple may or may not share one.
  const keys: ConntrackKey[] = [];
  const outer = new Set<ConntrackKey>();
  for (const { netns, e } of entries) {
    const k = conntrackKey(netns, e, random, picked);
    const isOuter = e.proto === 'udp' && isVxlanOuterFlow(random.vxlan ?? [], e.orig.get('src'), e.orig.get('dport'));
    if (isOuter && outer.has(k)) continue;
    if (isOuter) outer.add(k);
    keys.push(k);
  }
  return keys.sort();
}

/** The emulator's entries for the namespaces in `netns`, as keys, sorted. */
export function emulatorConntrackKeys(entries: readonly ConntrackSeen[], netns: ReadonlySet<string>, random: RandomPorts = {}): ConntrackKey[] {
  const parsed: { netns: string; e: ParsedEntry }[] = [];
  for (const c of entries) {
    if (!netns.has(c.netns)) continue;
    const proto = c.line !== undefined ? c.line.trim().split(/\s+/)[0] : protoFromTuple(c.orig);
    if (!PROTOS.has(proto)) continue;
    parsed.push({ netns: c.netns, e: { proto, orig: parseTuple(c.orig), reply: parseTuple(c.reply) } });
  }
  return keysOf(parsed, random);
}

/** Without a printed line: an ICMP tuple has `type=`; tcp and udp cannot be told apart, so say "l4". */
function protoFromTuple(orig: string): string {
  return /\btype=/.test(orig) ? 'icmp' : 'l4';
}

/** `conntrack -L` output of namespaces (stdout; the summary line goes to stderr), as keys, sorted. */
export function kernelConntrackKeys(netns: string, listing: string, random: RandomPorts = {}): ConntrackKey[] {
  return kernelConntrackKeysOf({ [netns]: listing }, random);
}

/** `conntrack -L` of several namespaces at once: a port a random NAT picked in one is `*` in all. */
export function kernelConntrackKeysOf(listings: Readonly<Record<string, string>>, random: RandomPorts = {}): ConntrackKey[] {
  const parsed: { netns: string; e: ParsedEntry }[] = [];
  for (const [netns, listing] of Object.entries(listings)) {
    for (const line of listing.split('\n')) {
      const e = parseConntrackLine(line);
      if (e !== undefined && PROTOS.has(e.proto)) parsed.push({ netns, e });
    }
  }
  return keysOf(parsed, random);
}

/** Whether some key is a VXLAN outer flow of `vxlan` with its source port written `*` (the report then says why). */
export function hasVxlanWildcard(keys: readonly ConntrackKey[], vxlan: readonly VxlanFlowSource[]): boolean {
  return keys.some((k) => vxlan.some((f) => k.includes(` udp src=${f.src} `) && k.includes(` sport=* dport=${f.dport} |`)));
}

export interface ConntrackComparison {
  agree: boolean;
  /** Entries only the emulator has. */
  emulatorOnly: ConntrackKey[];
  /** Entries only the kernel has. */
  kernelOnly: ConntrackKey[];
}

/** Both sides as multisets of keys. */
export function compareConntrack(emulator: readonly ConntrackKey[], kernel: readonly ConntrackKey[]): ConntrackComparison {
  const left = [...kernel];
  const emulatorOnly: ConntrackKey[] = [];
  for (const k of emulator) {
    const i = left.indexOf(k);
    if (i >= 0) left.splice(i, 1);
    else emulatorOnly.push(k);
  }
  return { agree: emulatorOnly.length === 0 && left.length === 0, emulatorOnly, kernelOnly: left };
}
