// Chain indexes, the way nftables verdict maps make `ip daddr . meta l4proto . th dport vmap {...}` one
// lookup: rules are bucketed by the destination address, protocol and destination port they require, and a
// packet walks only the buckets it can match, merged back into rule order. Only predicates the kernel would
// test before any side effect are used as keys (the basic filter, and a port match preceded by pure matches
// only), so skipping a rule never skips a side effect: first-match semantics and state stay exact.

import type { IpPacket } from '../../packet/frame.js';
import type { Chain, Rule, Ruleset, TableName } from './ruleset.js';

export interface ChainIndex {
  /** Positions (0-based) of the rules that may match `p`, in rule order. */
  candidates(p: IpPacket): readonly number[];
}

export interface RulesetIndex {
  chain(table: TableName, chain: string): ChainIndex | undefined;
}

interface RuleKey {
  dst: number | null;
  proto: number | null;
  dport: number | null;
}

function ruleKey(r: Rule): RuleKey {
  const b = r.basics;
  const dst = b.dst && !b.dst.invert && b.dst.mask === 0xffffffff ? b.dst.addr : null;
  const proto = b.proto !== 0 && !b.protoInvert ? b.proto : null;
  let dport: number | null = null;
  if (proto === 6 || proto === 17 || proto === 132) {
    for (const m of r.matches) {
      if (m.exactDport !== undefined && (m.module === 'tcp' || m.module === 'udp' || m.module === 'sctp' || m.module === 'multiport')) {
        dport = m.exactDport;
        break;
      }
      if (!m.pure) break;
    }
  }
  return { dst, proto, dport };
}

function classOf(k: RuleKey): string {
  return `${k.dst !== null ? 'd' : ''}${k.proto !== null ? 'p' : ''}${k.dport !== null ? 'P' : ''}`;
}

/**
 * A class's buckets: by destination (the signed address, a small integer; 0 when the class does not key on it),
 * then by protocol and port (`proto * 65536 + dport`, each 0 when not keyed on). Numbers, not printed keys, so a
 * packet's lookup makes no string; within one class every rule keys on the same parts, so keys are equal exactly
 * when the parts are.
 */
type Buckets = Map<number, Map<number, number[]>>;

function merge(a: readonly number[], b: readonly number[]): number[] {
  const out: number[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) out.push(a[i] < b[j] ? a[i++] : b[j++]);
  while (i < a.length) out.push(a[i++]);
  while (j < b.length) out.push(b[j++]);
  return out;
}

/** The destination port the tcp/udp/sctp matches would see, -1 when they would see none. */
function packetDport(p: IpPacket): number {
  if (p.ip.fragOffset !== 0) return -1;
  if (p.l4.proto === 'tcp' && p.ip.protocol === 6) return p.l4.tcp.dport;
  if (p.l4.proto === 'udp' && p.ip.protocol === 17) return p.l4.udp.dport;
  if (p.l4.proto === 'sctp' && p.ip.protocol === 132) return p.l4.sctp.dport;
  return -1;
}

export function indexChain(chain: Chain): ChainIndex {
  const classes = new Map<string, Buckets>();
  chain.rules.forEach((r, pos) => {
    const k = ruleKey(r);
    const cls = classOf(k);
    let m = classes.get(cls);
    if (!m) classes.set(cls, (m = new Map()));
    const dstKey = (k.dst ?? 0) | 0;
    let byPort = m.get(dstKey);
    if (!byPort) m.set(dstKey, (byPort = new Map()));
    const key = (k.proto ?? 0) * 65536 + (k.dport ?? 0);
    const list = byPort.get(key);
    if (list) list.push(pos);
    else byPort.set(key, [pos]);
  });
  // Which parts each class keys on, decided once (candidates() runs per packet per chain).
  const entries = Array.from(classes, ([cls, m]) => ({ d: cls.includes('d'), p: cls.includes('p'), port: cls.includes('P'), m }));
  return {
    candidates(p) {
      const dport = packetDport(p);
      let out: readonly number[] = [];
      for (const e of entries) {
        if (e.port && dport < 0) continue;
        const hit = e.m.get(e.d ? p.ip.dst | 0 : 0)?.get((e.p ? p.ip.protocol : 0) * 65536 + (e.port ? dport : 0));
        if (hit) out = out.length ? merge(out, hit) : hit;
      }
      return out;
    },
  };
}

/**
 * Chain indexes by rule list: a pure function of the rules' parse, which never changes once a restore committed
 * the chain (copy on write: a changed chain gets a new rule list). So a chain a later restore kept, or a chain that
 * namespaces share, is indexed once. The length is checked too, for rule lists built by hand.
 */
const chainIndexes = new WeakMap<readonly Rule[], { length: number; index: ChainIndex }>();

function chainIndexOf(c: Chain): ChainIndex {
  const known = chainIndexes.get(c.rules);
  if (known !== undefined && known.length === c.rules.length) return known.index;
  const index = indexChain(c);
  chainIndexes.set(c.rules, { length: c.rules.length, index });
  return index;
}

/**
 * Indexes every chain of at least `minRules` rules. The index is a snapshot: rebuild it after the ruleset
 * changes (a restore); chains whose rule list is the same are not indexed again.
 */
export function indexRuleset(rs: Ruleset, minRules = 16): RulesetIndex {
  const byTable = new Map<TableName, Map<string, ChainIndex>>();
  for (const [tname, t] of rs.tables) {
    const byChain = new Map<string, ChainIndex>();
    for (const c of t.chains.values()) if (c.rules.length >= minRules) byChain.set(c.name, chainIndexOf(c));
    byTable.set(tname, byChain);
  }
  return { chain: (table, chain) => byTable.get(table)?.get(chain) };
}
