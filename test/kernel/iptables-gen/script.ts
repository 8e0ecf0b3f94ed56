// An iptables-restore input as the generator builds it: table blocks of chain lines and command lines, rendered
// to text at the end so that a mutation can still edit any block.

import type { Rng } from '../../../src/sim/rng.js';

export type GenTable = 'filter' | 'nat' | 'mangle' | 'raw';

export const GEN_TABLES: readonly GenTable[] = ['filter', 'nat', 'mangle', 'raw'];

/** The built-in chains of each table (iptables/nft-chain.c). */
export const HOOKS: Readonly<Record<GenTable, readonly string[]>> = {
  filter: ['INPUT', 'FORWARD', 'OUTPUT'],
  nat: ['PREROUTING', 'INPUT', 'OUTPUT', 'POSTROUTING'],
  mangle: ['PREROUTING', 'INPUT', 'FORWARD', 'OUTPUT', 'POSTROUTING'],
  raw: ['PREROUTING', 'OUTPUT'],
};

export interface Block {
  table: GenTable;
  /** `:CHAIN POLICY [p:b]` lines. */
  chainLines: string[];
  /** `-N`, `-A`, `-I` lines, in order. */
  body: string[];
  /** Whether the block ends with COMMIT. */
  commit: boolean;
  /** User chains that exist at the end of the block, in creation order. */
  userChains: string[];
}

export interface Script {
  blocks: Block[];
}

export function renderScript(s: Script): string {
  const out: string[] = [];
  for (const b of s.blocks) {
    out.push(`*${b.table}`, ...b.chainLines, ...b.body);
    if (b.commit) out.push('COMMIT');
  }
  return `${out.join('\n')}\n`;
}

/** Small helpers over the seeded generator. */
export class Pick {
  constructor(readonly rng: Rng) {}

  chance(p: number): boolean {
    return this.rng.next() < p;
  }

  int(lo: number, hi: number): number {
    return this.rng.int(lo, hi);
  }

  one<T>(xs: readonly T[]): T {
    return xs[this.rng.int(0, xs.length - 1)];
  }

  /** `k` distinct elements, in random order. */
  some<T>(xs: readonly T[], k: number): T[] {
    const pool = [...xs];
    const out: T[] = [];
    while (out.length < k && pool.length) out.push(pool.splice(this.rng.int(0, pool.length - 1), 1)[0]);
    return out;
  }

  /** `! ` with probability p. */
  bang(p = 0.2): string {
    return this.chance(p) ? '! ' : '';
  }
}
