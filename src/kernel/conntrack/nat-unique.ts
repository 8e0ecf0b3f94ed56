// Linux: get_unique_tuple() and its helpers in nf_nat_core.c: find_appropriate_src(), find_best_ips_proto(),
// nf_nat_l4proto_unique_tuple(), nf_nat_used_tuple(). Uniqueness is exact: a tuple is handed out only
// if no live entry holds its inverse in either direction.
//
// Simplified: jhash2 is replaced by a 32-bit integer mix (the spread, not the value, matters); the port
// search walks the whole range once from its offset, where Linux gives up after 128 attempts (then 64,
// 32, 16 from new random offsets), so a nearly full large range succeeds here where Linux may drop.

import { IPPROTO_ICMP, IPPROTO_SCTP, IPPROTO_TCP, IPPROTO_UDP } from '../../wire/headers.js';
import type { CtEntry } from './entry.js';
import { protoSpecified, randomAll, type NatManip, type NatRequest } from './nat-request.js';
import type { ConntrackTable } from './table.js';
import type { Tuple } from './tuple.js';

/** A source of pseudo-random numbers in [0, 1), injected (the world's seeded RNG). */
export type RandomSource = () => number;

export interface UniqueTuple {
  /** The tuple the packet will look like after this manipulation (original direction). */
  tuple: Tuple;
  /** False when every candidate was taken: `tuple` clashes with a live entry. */
  unique: boolean;
}

interface Search {
  table: ConntrackTable;
  entry: CtEntry;
  now: number;
}

/** Linux: nf_nat_used_tuple(): would the connection's reply (the inverse of `t`) clash with a live entry? */
function used(s: Search, t: Tuple): boolean {
  return s.table.isReplyTaken(t, s.entry, s.now);
}

type PortField = 'sport' | 'dport';

/** Which tuple field a manipulation changes besides the address; null for protocols without ports. */
function portField(t: Tuple, manip: NatManip): PortField | null {
  if (t.proto === IPPROTO_ICMP) return 'sport'; // the echo id, "same for either direction"
  // nf_nat_l4proto_unique_tuple(): TCP, UDP, UDP-Lite, DCCP and SCTP keep ports in the same place.
  if (t.proto === IPPROTO_TCP || t.proto === IPPROTO_UDP || t.proto === IPPROTO_SCTP) return manip === 'SRC' ? 'sport' : 'dport';
  return null;
}

/** Linux: nf_nat_inet_in_range() && l4proto_in_range(). */
function inRange(t: Tuple, req: NatRequest, manip: NatManip): boolean {
  const addr = manip === 'SRC' ? t.src : t.dst;
  if (addr < req.addrMin || addr > req.addrMax) return false;
  return portInRange(t, req, manip);
}

function portInRange(t: Tuple, req: NatRequest, manip: NatManip): boolean {
  const f = portField(t, manip);
  if (!protoSpecified(req) || f === null) return true;
  return t[f] >= Math.min(req.portMin, req.portMax) && t[f] <= Math.max(req.portMin, req.portMax);
}

/**
 * Linux: find_appropriate_src(): a connection from the same (proto, address, port) already source-NATed
 * into this range: reuse its mapping, so one client socket shows one address and port to every peer.
 */
function findAppropriateSrc(s: Search, curr: Tuple, req: NatRequest): Tuple | undefined {
  if (curr.proto !== IPPROTO_TCP && curr.proto !== IPPROTO_UDP && curr.proto !== IPPROTO_SCTP) return undefined;
  for (const e of s.table.bySource(curr, s.now)) {
    const t: Tuple = { ...curr, src: e.reply.dst, sport: e.reply.dport };
    if (inRange(t, req, 'SRC')) return t;
  }
  return undefined;
}

/** A stand-in for jhash2(): murmur3's fmix32 over the address mixed with the seed. */
function mix32(addr: number, seed: number): number {
  let h = (addr ^ Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b)) >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/**
 * Linux: find_best_ips_proto(): the address is a hash of the client address, seeded with the destination
 * address unless --persistent, scaled into the range (reciprocal_scale()). Deterministic, not random.
 */
export function chooseAddress(t: Tuple, req: NatRequest): number {
  if (req.addrMin === req.addrMax) return req.addrMin;
  const dist = req.addrMax - req.addrMin + 1;
  const j = mix32(t.src, req.persistent ? 0 : t.dst);
  return req.addrMin + Math.floor((j * dist) / 2 ** 32);
}

function withAddress(t: Tuple, req: NatRequest, manip: NatManip): Tuple {
  const addr = chooseAddress(t, req);
  return manip === 'SRC' ? { ...t, src: addr } : { ...t, dst: addr };
}

/** Linux: nf_nat_l4proto_unique_tuple(): the port (or ICMP id) range and the search through it. */
function uniqueProto(s: Search, t: Tuple, req: NatRequest, manip: NatManip, random: RandomSource): UniqueTuple {
  const f = portField(t, manip);
  if (f === null) return { tuple: t, unique: !used(s, t) };
  let min: number;
  let size: number;
  if (protoSpecified(req)) {
    min = Math.min(req.portMin, req.portMax);
    size = Math.max(req.portMin, req.portMax) - min + 1;
  } else if (t.proto === IPPROTO_ICMP) {
    min = 0;
    size = 65536;
  } else if (manip === 'DST') {
    // "If it's dst rewrite, can't change port": the clash is left to the source manipulation.
    return { tuple: t, unique: !used(s, t) };
  } else {
    // Keep the port's class: below 512 (credential passing), 600-1023, 1024 and up.
    const p = t[f];
    [min, size] = p < 512 ? [1, 511] : p < 1024 ? [600, 424] : [1024, 64512];
  }
  // Linux: get_random_u16() for source NAT and --random*, 0 (the first free port) for plain DNAT ranges.
  const off = randomAll(req) || manip === 'SRC' ? Math.floor(random() * 65536) : 0;
  let cand = t;
  for (let i = 0; i < size; i++) {
    cand = { ...t, [f]: min + ((off + i) % size) };
    if (!used(s, cand)) return { tuple: cand, unique: true };
  }
  return { tuple: cand, unique: false };
}

/**
 * Linux: get_unique_tuple(). `curr` is the connection as it looks before this manipulation (the inverse
 * of the current reply tuple). Source NAT first tries the tuple unchanged, then an existing mapping of the
 * same socket; unless --random/--random-fully, a free tuple whose port is already in range is kept.
 */
export function getUniqueTuple(
  table: ConntrackTable,
  entry: CtEntry,
  curr: Tuple,
  req: NatRequest,
  manip: NatManip,
  random: RandomSource,
  now: number,
): UniqueTuple {
  const s: Search = { table, entry, now };
  if (manip === 'SRC' && !randomAll(req)) {
    if (inRange(curr, req, manip)) {
      if (!used(s, curr)) return { tuple: curr, unique: true };
    } else {
      const mapped = findAppropriateSrc(s, curr, req);
      if (mapped && !used(s, mapped)) return { tuple: mapped, unique: true };
    }
  }
  const t = withAddress(curr, req, manip);
  if (!randomAll(req)) {
    if (protoSpecified(req)) {
      if (portInRange(t, req, manip) && (req.portMin === req.portMax || !used(s, t))) return { tuple: t, unique: !used(s, t) };
    } else if (!used(s, t)) {
      return { tuple: t, unique: true };
    }
  }
  return uniqueProto(s, t, req, manip, random);
}
