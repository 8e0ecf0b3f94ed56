// The commit check of a whole table in linear passes over integers (a full sync rewrites 80,000 chains and
// 160,000 jumps; the kernel's nf_tables_validate() walks them too, from the base chains). The chains are
// numbered as first met, as a key of the table or as a jump's target (the chain the table's own map gives,
// which keeps its number: no second index of 80,000 names is built), and each chain's jumps kept as a range of
// one array of targets; one depth-first pass with an explicit stack finds loops and gives every chain its jump
// height (the longest jump path below it, which the kernel bounds by NFT_JUMP_STACK_SIZE in
// nft_chain_validate()); the chains in reverse finishing order are a
// topological order, so the hooks reaching each chain (xt_check_match() / xt_check_target() check a rule
// against them) are handed down for all hooks at once as a bit mask. This check answers only "valid, and here
// are the facts" or "not sure" (a jump to a missing chain, any loop, a base chain too deep, a rule a hook
// refuses): on "not sure" the caller takes the existing path, which finds the kernel's first problem with its
// exact message, and accepts loops among chains no base chain reaches as the kernel does.

import type { Chain, Rule, Table } from './ruleset.js';
import { HOOK_BIT, allowedHooks, entryHooksAllow } from './hook-mask.js';
import { BlockChain } from './restore-chain-source.js';
import { isCommitted } from './committed-table.js';

/** NFT_JUMP_STACK_SIZE in include/net/netfilter/nf_tables.h (table-validate.ts exports it; repeated to keep this file a leaf). */
const JUMP_LIMIT = 16;

/** The facts of a table that passes the commit checks, by chain number (the order chains were first met). */
export interface CompactGraph {
  /** The chains, by number. */
  names: readonly string[];
  /** The number of chain `name`; undefined when the table holds no such chain. */
  numberOf(name: string): number | undefined;
  /** Jumps of chain i are targets[starts[i] .. ends[i]), in rule order (a chain named twice appears twice). */
  starts: Int32Array;
  ends: Int32Array;
  targets: Int32Array;
  /** The longest jump path below each chain (0: it jumps nowhere). */
  height: Int32Array;
  /** The hooks whose base chain reaches each chain (HOOK_BIT bits; 0: none). */
  reach: Uint8Array;
}

function targetOf(r: Rule): string | null {
  const t = r.target;
  return t.kind === 'jump' || t.kind === 'goto' ? t.chain : null;
}

/**
 * The chains of one check and their jumps, numbered as first met. A BlockChain carries its number
 * (`checkNumber`), true when `chains` holds the chain at that number (else it is another check's, and the chain
 * is numbered again); other chains (built in code, a test's) are numbered in a small map.
 */
class Numbering {
  readonly chains: Chain[];
  /** names[i]: the key chain i is held under, once met as a key. */
  readonly names: string[];
  /** The hooks all of chain i's rules allow when its record tells (BlockChain.recordedHooks), else -1. */
  readonly known: Int8Array;
  readonly starts: Int32Array;
  readonly ends: Int32Array;
  targets: Int32Array;
  /** How many jumps `targets` holds. */
  jumps = 0;
  count = 0;
  /** How many chains the table holds. */
  get size(): number {
    return this.#keys.length;
  }

  /** The numbers of the base chains. */
  readonly bases: number[] = [];
  /** The numbers of the chains that are not BlockChains. */
  plain: Map<Chain, number> | null = null;
  readonly #table: ReadonlyMap<string, Chain>;
  /** The table's keys and chains, in its order. */
  readonly #keys: readonly string[];
  readonly #values: readonly Chain[];
  // Two names remembered before the table's map is asked: the last one looked up, and the last one that was
  // asked again right after (kube-proxy's KUBE-MARK-MASQ, half of a full sync's jumps).
  #lastName: string | null = null;
  #lastNumber = 0;
  #hotName: string | null = null;
  #hotNumber = 0;

  constructor(table: ReadonlyMap<string, Chain>) {
    this.#table = table;
    this.#keys = [...table.keys()];
    this.#values = [...table.values()];
    const n = this.#keys.length;
    this.chains = new Array<Chain>(n);
    this.names = new Array<string>(n);
    this.known = new Int8Array(n);
    this.starts = new Int32Array(n);
    this.ends = new Int32Array(n);
    // kube-proxy's chains jump twice each on average; grown when a table holds more.
    this.targets = new Int32Array(2 * n + 16);
  }

  /** The number of `c`, given one when first met. */
  numberOf(c: Chain): number {
    const v = this.count;
    if (c instanceof BlockChain) {
      const was = c.checkNumber;
      if (was >= 0 && was < v && this.chains[was] === c) return was;
      c.checkNumber = v;
    } else {
      const plain = (this.plain ??= new Map());
      const was = plain.get(c);
      if (was !== undefined) return was;
      plain.set(c, v);
    }
    // Every chain met is a value of the table's map: at most table.size of them.
    if (v >= this.chains.length) throw new Error('compact-jump-check: more chains than the table holds');
    this.chains[v] = c;
    this.count = v + 1;
    return v;
  }

  /**
   * Takes the table's chain `j` (in its order), with its jumps; false when not sure (a chain held under two names, a
   * jump to a missing chain, or a base chain whose own rules' options refuse its hook: hook-mask.ts entryHooks()).
   */
  add(j: number): boolean {
    const c = this.#values[j];
    const name = this.#keys[j];
    const v = this.numberOf(c);
    if (this.names[v] !== undefined) return false;
    this.names[v] = name;
    this.known[v] = c instanceof BlockChain ? c.recordedHooks : -1;
    if (c.hook !== null) {
      if (!entryHooksAllow(c.rules, c.hook)) return false;
      this.bases.push(v);
    }
    const rules = c.rules;
    let m = this.jumps;
    if (m + rules.length > this.targets.length) this.#grow(m + rules.length);
    const targets = this.targets;
    this.starts[v] = m;
    // The key tried before the map is asked: the chains declared right after this one.
    let next = j + 1;
    const keys = this.#keys;
    for (let k = 0; k < rules.length; k++) {
      const t = targetOf(rules[k]);
      if (t === null) continue;
      let w: number;
      if (t === this.#lastName) {
        w = this.#lastNumber;
        this.#hotName = t;
        this.#hotNumber = w;
      } else if (t === this.#hotName) {
        w = this.#hotNumber;
      } else {
        // A chain's jumps often name the chains declared right after it, in order (kube-proxy's KUBE-SVC-* and
        // its KUBE-SEP-*: half of a full sync's other jumps): the next of those keys is tried before the map is
        // asked (a key is the map's only key of its name, so its chain is the one the map gives).
        let to: Chain | undefined;
        if (next < keys.length && t === keys[next]) to = this.#values[next++];
        else to = this.#table.get(t);
        // A jump to a missing chain is not sure (the existing path names it).
        if (to === undefined) return false;
        w = this.numberOf(to);
        this.#lastName = t;
        this.#lastNumber = w;
      }
      targets[m++] = w;
    }
    this.ends[v] = m;
    this.jumps = m;
    return true;
  }

  #grow(least: number): void {
    const more = new Int32Array(Math.max(least, 2 * this.targets.length));
    more.set(this.targets.subarray(0, this.jumps));
    this.targets = more;
  }
}

/** The number of each chain, from the names by number. */
function indexOf(names: readonly string[]): Map<string, number> {
  const index = new Map<string, number>();
  for (let i = 0; i < names.length; i++) index.set(names[i], i);
  return index;
}

/**
 * The numbers of the chains of `table` as `g` gave them: once the table is committed (never changed in place
 * again: committed-table.ts) a chain's number is read from the chain its map gives, while the chain still
 * carries this check's number; else from an index of the names, made on first need (80,000 names, read cold:
 * the first incremental sync after a full sync would pay for it).
 */
function numbersOf(table: Table, g: Numbering): (name: string) => number | undefined {
  const { chains, names, plain } = g;
  let index: Map<string, number> | undefined;
  return (name) => {
    if (index === undefined && isCommitted(table)) {
      const c = table.chains.get(name);
      if (c === undefined) return undefined;
      const v = c instanceof BlockChain ? c.checkNumber : (plain?.get(c) ?? -1);
      // Held under one name only (a chain under two is not sure), so `name` is chain v's.
      if (v >= 0 && v < chains.length && chains[v] === c) return v;
    }
    return (index ??= indexOf(names)).get(name);
  };
}

/** The facts of `table` when it surely passes the commit checks and has no loop at all; null when not sure. */
export function compactValidGraph(table: Table): CompactGraph | null {
  const g = new Numbering(table.chains);
  const n = g.size;
  for (let j = 0; j < n; j++) if (!g.add(j)) return null;
  if (g.count !== n) return null;
  const { starts, ends, names } = g;
  const targets = g.targets.subarray(0, g.jumps);
  // Heights and a finishing order, one depth-first pass with an explicit stack; any loop is not sure.
  const height = new Int32Array(n);
  const state = new Uint8Array(n); // 0 unseen, 1 on the stack, 2 finished
  const next = new Int32Array(n); // the next edge of a chain on the stack
  const stack = new Int32Array(n);
  const finished = new Int32Array(n);
  let done = 0;
  for (let s = 0; s < n; s++) {
    if (state[s] !== 0) continue;
    let sp = 0;
    stack[sp++] = s;
    state[s] = 1;
    next[s] = starts[s];
    while (sp > 0) {
      const v = stack[sp - 1];
      const e = next[v];
      if (e < ends[v]) {
        next[v] = e + 1;
        const w = targets[e];
        const sw = state[w];
        if (sw === 0) {
          state[w] = 1;
          next[w] = starts[w];
          stack[sp++] = w;
        } else if (sw === 1) {
          return null;
        } else if (height[w] + 1 > height[v]) {
          height[v] = height[w] + 1;
        }
        continue;
      }
      state[v] = 2;
      finished[done++] = v;
      sp--;
      if (sp > 0) {
        const p = stack[sp - 1];
        if (height[v] + 1 > height[p]) height[p] = height[v] + 1;
      }
    }
  }
  // Hooks: base chains, then down the jumps in topological order (reverse finishing order).
  const reach = new Uint8Array(n);
  for (const v of g.bases) {
    // nft_chain_validate(): a base chain whose jump path reaches the limit is refused.
    if (height[v] >= JUMP_LIMIT) return null;
    reach[v] = HOOK_BIT[g.chains[v].hook!];
  }
  for (let k = n - 1; k >= 0; k--) {
    const v = finished[k];
    const bits = reach[v];
    if (bits === 0) continue;
    for (let e = starts[v]; e < ends[v]; e++) reach[targets[e]] |= bits;
  }
  const known = g.known;
  for (let v = 0; v < n; v++) {
    const bits = reach[v];
    if (bits === 0) continue;
    // A chain a restore built from recorded lines knows the hooks its rules allow (restore-chain-source.ts).
    if (known[v] >= 0) {
      if ((known[v] & bits) !== bits) return null;
      continue;
    }
    const rules = g.chains[v].rules;
    for (let k = 0; k < rules.length; k++) if ((allowedHooks(rules[k]) & bits) !== bits) return null;
  }
  return {
    names,
    numberOf: numbersOf(table, g),
    starts,
    ends,
    targets,
    height,
    reach,
  };
}
