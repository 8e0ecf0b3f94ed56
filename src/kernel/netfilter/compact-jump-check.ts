// The commit check of a whole table in linear passes over integers (a full sync rewrites 50,000 chains and
// 300,000 jumps; the kernel's nf_tables_validate() walks them too, from the base chains). The chains are
// numbered in the table's order and the jumps kept as CSR arrays (offsets + targets); one depth-first pass with
// an explicit stack finds loops and gives every chain its jump height (the longest jump path below it, which the
// kernel bounds by NFT_JUMP_STACK_SIZE in nft_chain_validate()); the chains in reverse finishing order are a
// topological order, so the hooks reaching each chain (xt_check_match() / xt_check_target() check a rule
// against them) are handed down for all hooks at once as a bit mask. This check answers only "valid, and here
// are the facts" or "not sure" (a jump to a missing chain, any loop, a base chain too deep, a rule a hook
// refuses): on "not sure" the caller takes the existing path, which finds the kernel's first problem with its
// exact message, and accepts loops among chains no base chain reaches as the kernel does.

import type { Chain, Rule, Table } from './ruleset.js';
import { HOOK_BIT, allowedHooks, entryHooksAllow } from './hook-mask.js';
import { BlockChain } from './restore-chain-source.js';

/** NFT_JUMP_STACK_SIZE in include/net/netfilter/nf_tables.h (table-validate.ts exports it; repeated to keep this file a leaf). */
const JUMP_LIMIT = 16;

/** The facts of a table that passes the commit checks, by chain number (the order of `table.chains`). */
export interface CompactGraph {
  /** The chains, by number. */
  names: readonly string[];
  /** The number of each chain. */
  index: ReadonlyMap<string, number>;
  /** Jumps of chain i are targets[offsets[i] .. offsets[i + 1]), in rule order (a chain named twice appears twice). */
  offsets: Int32Array;
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

/** The facts of `table` when it surely passes the commit checks and has no loop at all; null when not sure. */
export function compactValidGraph(table: Table): CompactGraph | null {
  const n = table.chains.size;
  const index = new Map<string, number>();
  const names = new Array<string>(n);
  const chains = new Array<Chain>(n);
  let ruleCount = 0;
  let i = 0;
  // A base chain's own rules are held to their options' hooks too (hook-mask.ts entryHooks()).
  let entryRefused = false;
  // forEach: no entry pair made per chain (this runs once per full sync, often before it is optimized).
  table.chains.forEach((c, name) => {
    index.set(name, i);
    names[i] = name;
    chains[i] = c;
    ruleCount += c.rules.length;
    if (c.hook !== null && !entryHooksAllow(c.rules, c.hook)) entryRefused = true;
    i++;
  });
  if (entryRefused) return null;
  // Edges, CSR: a jump to a missing chain is not sure (the existing path names it).
  const offsets = new Int32Array(n + 1);
  const full = new Int32Array(ruleCount);
  let m = 0;
  // Two names remembered before the map is asked: the last one looked up, and the last one that was asked
  // again right after (kube-proxy's KUBE-MARK-MASQ, half of a full sync's jumps).
  let lastName: string | null = null;
  let lastIndex = 0;
  let hotName: string | null = null;
  let hotIndex = 0;
  for (let v = 0; v < n; v++) {
    offsets[v] = m;
    const rules = chains[v].rules;
    for (let k = 0; k < rules.length; k++) {
      const t = targetOf(rules[k]);
      if (t === null) continue;
      let w: number | undefined;
      if (t === lastName) {
        w = lastIndex;
        hotName = t;
        hotIndex = w;
      } else if (t === hotName) {
        w = hotIndex;
      } else {
        w = index.get(t);
        if (w === undefined) return null;
        lastName = t;
        lastIndex = w;
      }
      full[m++] = w;
    }
  }
  offsets[n] = m;
  const targets = full.subarray(0, m);
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
    next[s] = offsets[s];
    while (sp > 0) {
      const v = stack[sp - 1];
      const e = next[v];
      if (e < offsets[v + 1]) {
        next[v] = e + 1;
        const w = targets[e];
        const sw = state[w];
        if (sw === 0) {
          state[w] = 1;
          next[w] = offsets[w];
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
  for (let v = 0; v < n; v++) {
    const hook = chains[v].hook;
    if (hook === null) continue;
    // nft_chain_validate(): a base chain whose jump path reaches the limit is refused.
    if (height[v] >= JUMP_LIMIT) return null;
    reach[v] = HOOK_BIT[hook];
  }
  for (let k = n - 1; k >= 0; k--) {
    const v = finished[k];
    const bits = reach[v];
    if (bits === 0) continue;
    for (let e = offsets[v]; e < offsets[v + 1]; e++) reach[targets[e]] |= bits;
  }
  for (let v = 0; v < n; v++) {
    const bits = reach[v];
    if (bits === 0) continue;
    const c = chains[v];
    // A chain a restore built from recorded lines knows the hooks its rules allow (restore-chain-source.ts).
    const known = c instanceof BlockChain ? c.recordedHooks : -1;
    if (known >= 0) {
      if ((known & bits) !== bits) return null;
      continue;
    }
    const rules = c.rules;
    for (let k = 0; k < rules.length; k++) if ((allowedHooks(rules[k]) & bits) !== bits) return null;
  }
  return { names, index, offsets, targets, height, reach };
}
