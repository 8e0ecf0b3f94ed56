// The IPv4 multipath hash: fib_multipath_hash() in net/ipv4/route.c over struct flow_keys, hashed by
// flow_hash_from_keys_seed() (net/core/flow_dissector.c) with SipHash-2-4 (lib/siphash.c) keyed by
// net.ipv4.fib_multipath_hash_seed (fib_multipath_hash_construct_key()). Checked against Linux 6.18 `ip route
// get` answers (multipath-hash.test.ts); the kernel documents no stability across versions.

const MASK64 = (1n << 64n) - 1n;

function rotl(x: bigint, b: bigint): bigint {
  return ((x << b) | (x >> (64n - b))) & MASK64;
}

/** SipHash-2-4 of `data` with the 128-bit key (k0, k1), as lib/siphash.c's siphash(). */
export function siphash24(data: Uint8Array, k0: bigint, k1: bigint): bigint {
  let v0 = 0x736f6d6570736575n ^ k0;
  let v1 = 0x646f72616e646f6dn ^ k1;
  let v2 = 0x6c7967656e657261n ^ k0;
  let v3 = 0x7465646279746573n ^ k1;
  const round = (): void => {
    v0 = (v0 + v1) & MASK64; v1 = rotl(v1, 13n); v1 ^= v0; v0 = rotl(v0, 32n);
    v2 = (v2 + v3) & MASK64; v3 = rotl(v3, 16n); v3 ^= v2;
    v0 = (v0 + v3) & MASK64; v3 = rotl(v3, 21n); v3 ^= v0;
    v2 = (v2 + v1) & MASK64; v1 = rotl(v1, 17n); v1 ^= v2; v2 = rotl(v2, 32n);
  };
  const word = (at: number, n: number): bigint => {
    let m = 0n;
    for (let i = n - 1; i >= 0; i--) m = (m << 8n) | BigInt(data[at + i]);
    return m;
  };
  const whole = data.length - (data.length % 8);
  for (let at = 0; at < whole; at += 8) {
    const m = word(at, 8);
    v3 ^= m;
    round();
    round();
    v0 ^= m;
  }
  const b = (BigInt(data.length & 0xff) << 56n) | word(whole, data.length - whole);
  v3 ^= b;
  round();
  round();
  v0 ^= b;
  v2 ^= 0xffn;
  round();
  round();
  round();
  round();
  return v0 ^ v1 ^ v2 ^ v3;
}

/** What fib_multipath_hash() reads of a flow: addresses always, protocol and ports under policy 1. */
export interface MultipathFlow {
  src: number;
  dst: number;
  /** IP protocol number; 0 when not known (it is not hashed under policy 0). */
  proto: number;
  sport: number;
  dport: number;
}

/**
 * The bytes of struct flow_keys that __flow_hash_from_keys() hashes, from `basic` to the end of the IPv4
 * addresses plus the padding of the addrs union up to the struct's 8-byte alignment: 48 bytes on x86_64.
 * Offsets: basic.ip_proto 2, ports 28 (src) and 30 (dst), v4addrs 36 (src) and 40 (dst); the rest is zero
 * (hash_keys is memset). Multi-byte fields are in network order, as the kernel stores them.
 */
function flowKeyBytes(src: number, dst: number, proto: number, sport: number, dport: number): Uint8Array {
  const b = new Uint8Array(48);
  const v = new DataView(b.buffer);
  b[2] = proto;
  v.setUint16(28, sport);
  v.setUint16(30, dport);
  v.setUint32(36, src >>> 0);
  v.setUint32(40, dst >>> 0);
  return b;
}

/** A network-order field as the CPU reads it (`(__force u32)`), little-endian x86_64. */
const le32 = (x: number): number => (((x & 0xff) << 24) | ((x & 0xff00) << 8) | ((x >>> 8) & 0xff00) | (x >>> 24)) >>> 0;
const le16 = (x: number): number => ((x & 0xff) << 8) | (x >>> 8);

/**
 * Linux: fib_multipath_hash() for IPv4, policy 0 (L3: addresses) or 1 (L4: addresses, protocol, ports);
 * policy 2 (inner L3 when the packet carries one) is policy 0 for every packet packetwalk models;
 * the result is in 0..2^31-1 (mhash >> 1). __flow_hash_consistentify() orders the addresses (and ports) so
 * both directions of a flow hash alike.
 */
export function fibMultipathHash(policy: number, flow: MultipathFlow, seed: number): number {
  let { src, dst, sport, dport } = flow;
  const l4 = policy === 1;
  if (!l4) sport = dport = 0;
  // (__force u32)dst < (__force u32)src: the addresses as the CPU reads them, compared unsigned.
  if (le32(dst) < le32(src)) [src, dst] = [dst, src];
  if (le16(dport) < le16(sport)) [sport, dport] = [dport, sport];
  const s = BigInt(seed >>> 0);
  const key = (s << 32n) | s;
  let h = Number(siphash24(flowKeyBytes(src, dst, l4 ? flow.proto : 0, sport, dport), key, key) & 0xffffffffn);
  if (h === 0) h = 1;
  return h >>> 1;
}

/**
 * fib_rebalance(): each live nexthop's upper bound in the 31-bit hash space, DIV_ROUND_CLOSEST(w << 31,
 * total) - 1 for the running weight w; -1 for a dead one.
 */
export function upperBounds(weights: readonly number[], alive: readonly boolean[]): number[] {
  let total = 0;
  weights.forEach((w, i) => { if (alive[i]) total += w; });
  let w = 0;
  return weights.map((weight, i) => {
    if (!alive[i] || total === 0) return -1;
    w += weight;
    return Math.floor((w * 2 ** 31 + Math.floor(total / 2)) / total) - 1;
  });
}
