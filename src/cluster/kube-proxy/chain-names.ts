// kube-proxy's chain names (pkg/proxy/iptables/proxier.go portProtoHash(), servicePortEndpointChainName()):
// the first 16 characters of base32(sha256(...)), RFC 4648 standard alphabet, after a fixed prefix.

import * as nodeCrypto from 'node:crypto';
import type { EndpointLines, PortLines } from './line-memo.js';

/**
 * sha256 of a string: the one-shot `crypto.hash` where Node has it (20.12 and later), else a Hash object. A
 * named import of `hash` would stop every command from loading on Node 20.0-20.11.
 */
const sha256: (s: string) => Buffer = typeof nodeCrypto.hash === 'function'
  ? (s) => nodeCrypto.hash('sha256', s, 'buffer')
  : (s) => nodeCrypto.createHash('sha256').update(s).digest();

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** RFC 4648 base32 (encoding/base32 StdEncoding), padded. */
export function base32(bytes: Uint8Array): string {
  let out = '';
  let acc = 0;
  let n = 0;
  for (const b of bytes) {
    acc = (acc << 8) | b;
    n += 8;
    while (n >= 5) {
      out += ALPHABET[(acc >>> (n - 5)) & 31];
      n -= 5;
    }
    acc &= (1 << n) - 1;
  }
  if (n > 0) out += ALPHABET[(acc << (5 - n)) & 31];
  while (out.length % 8 !== 0) out += '=';
  return out;
}

/** Two base32 characters per 10 bits. */
const PAIRS: readonly string[] = Array.from({ length: 1024 }, (_, i) => ALPHABET[i >>> 5] + ALPHABET[i & 31]);

/** The first 16 base32 characters of sha256(s): they encode its first 10 bytes (80 bits) exactly. */
function hash16(s: string): string {
  const d = sha256(s);
  // Two groups of 5 bytes (40 bits), each 4 pairs of characters: the top 10 bits, then the low 30.
  const a = d[0] * 4 + (d[1] >>> 6);
  const ra = ((d[1] & 63) << 24) | (d[2] << 16) | (d[3] << 8) | d[4];
  const b = d[5] * 4 + (d[6] >>> 6);
  const rb = ((d[6] & 63) << 24) | (d[7] << 16) | (d[8] << 8) | d[9];
  return PAIRS[a] + PAIRS[ra >>> 20] + PAIRS[(ra >>> 10) & 1023] + PAIRS[ra & 1023]
    + PAIRS[b] + PAIRS[rb >>> 20] + PAIRS[(rb >>> 10) & 1023] + PAIRS[rb & 1023];
}

/**
 * Names already hashed, for every proxier of the process (each node's proxier names the same Services and
 * endpoints), per service port by `servicePortName + protocol` (lowercase): its hash, and its endpoints' names by
 * endpoint, so each is keyed by the whole string hashed and a hit is what hashing again gives. Emptied when it
 * holds MEMO_MAX names, so it stays a few tens of MB at most (tables still held by a caller keep working).
 */
const MEMO_MAX = 1 << 18;
const portTables = new Map<string, PortChainNames>();
let memoCount = 0;

/** A service port's names: its hash, its four chains, and its endpoints' chains. */
export interface PortChainNames {
  readonly hash: string;
  /** One object per port name and protocol: not to be changed. */
  readonly chains: ServiceChainNames;
  readonly endpoints: EndpointChainNames;
}

/** The names of the service port `servicePortName` with `protocol`, from the memo or hashed now. */
export function servicePortNames(servicePortName: string, protocol: string): PortChainNames {
  const prefix = servicePortName + protocol.toLowerCase();
  let t = portTables.get(prefix);
  if (t === undefined) {
    if (memoCount >= MEMO_MAX) {
      portTables.clear();
      memoCount = 0;
    }
    memoCount++;
    const h = hash16(prefix);
    t = { hash: h, chains: { svc: ['KUBE-SVC-', h].join(''), svl: ['KUBE-SVL-', h].join(''), ext: ['KUBE-EXT-', h].join(''), fw: ['KUBE-FW-', h].join('') }, endpoints: new EndpointChainNames(prefix) };
    portTables.set(prefix, t);
  }
  return t;
}

/** portProtoHash(servicePortName, protocol): `ns/name[:port]` + lowercase protocol, no separator. */
export function portProtoHash(servicePortName: string, protocol: string): string {
  return servicePortNames(servicePortName, protocol).hash;
}

export interface ServiceChainNames {
  readonly svc: string;
  readonly svl: string;
  readonly ext: string;
  readonly fw: string;
}

/** The four chains of one service port, sharing one hash (one object per port name and protocol: not to be changed). */
export function serviceChainNames(servicePortName: string, protocol: string): ServiceChainNames {
  return servicePortNames(servicePortName, protocol).chains;
}

/** servicePortEndpointChainName(): endpoint is `ip:port` (`[ip]:port` for IPv6). */
export function endpointChainName(servicePortName: string, protocol: string, endpoint: string): string {
  return endpointChainNames(servicePortName, protocol).name(endpoint);
}

/** One endpoint's KUBE-SEP chain, and the lines written for it (line-memo.ts). */
export interface EndpointChain {
  readonly name: string;
  /** line-memo.ts: its lines as last written (null: none yet). */
  lines: EndpointLines | null;
}

/**
 * The KUBE-SEP names of one service port's endpoints (servicePortEndpointChainName()), each hashed once per
 * process, and the port's own lines as last written (line-memo.ts). Only private fields: its JSON is `{}`.
 */
export class EndpointChainNames {
  readonly #prefix: string;
  #chains: Map<string, EndpointChain> | null = null;
  #portLines: PortLines | null = null;

  constructor(prefix: string) {
    this.#prefix = prefix;
  }

  /** line-memo.ts: the port's KUBE-SERVICES, masquerade and chain lines as last written (null: none yet). */
  get portLines(): PortLines | null {
    return this.#portLines;
  }

  set portLines(r: PortLines | null) {
    this.#portLines = r;
  }

  /** The chain of `endpoint` (`ip:port`, `[ip]:port` for IPv6). */
  name(endpoint: string): string {
    return this.chain(endpoint).name;
  }

  /** The chain of `endpoint` with its memo of lines. */
  chain(endpoint: string): EndpointChain {
    const chains = (this.#chains ??= new Map());
    let c = chains.get(endpoint);
    if (c === undefined) {
      // Joined rather than concatenated: one flat string, which is cheaper to copy into every text it is part of.
      c = { name: ['KUBE-SEP-', hash16(this.#prefix + endpoint)].join(''), lines: null };
      chains.set(endpoint, c);
      memoCount++;
    }
    return c;
  }
}

/** The KUBE-SEP names of the endpoints of `servicePortName` with `protocol`. */
export function endpointChainNames(servicePortName: string, protocol: string): EndpointChainNames {
  return servicePortNames(servicePortName, protocol).endpoints;
}

const SERVICE_CHAIN_PREFIXES = ['KUBE-SVC-', 'KUBE-SVL-', 'KUBE-EXT-', 'KUBE-FW-', 'KUBE-SEP-'];

/** isServiceChainName(): the chains the stale-chain clean-up may delete. */
export function isServiceChainName(name: string): boolean {
  return SERVICE_CHAIN_PREFIXES.some((p) => name.startsWith(p));
}
