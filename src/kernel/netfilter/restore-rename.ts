// `-E OLD NEW` in an iptables-restore block, as iptables-nft 1.8.9 does it (measured in namespaces).
// nft_chain_user_rename() (iptables/nft.c) batches a NFT_MSG_NEWCHAIN carrying the cached chain's handle and the
// new name, and leaves its own chain cache alone: until COMMIT the block still knows the chain as OLD (`-A OLD`
// writes to it, `-N OLD` is "Chain already exists.", `-A NEW` / `-j NEW` find no chain NEW), and the kernel
// renames it when the batch is committed (nf_tables_commit(): nft_chain_commit_update()), so every rule that
// jumps to it then names NEW, and its rules and counters are kept. A chain this block declared (`:OLD`) or made
// (`-N OLD`) is in the cache without a handle: the kernel finds no chain with handle 0 and the whole restore
// fails, "CHAIN_RENAME failed (No such file or directory): chain NEW". Two renames to the same name fail the
// second with "File exists". A chain deleted after its rename (`-E A C`, `-X A`) is simply gone.

import type { Chain, Rule, Table } from './ruleset.js';
import type { RestoreError } from './restore-parse.js';

interface PendingRename {
  to: string;
  /** The chain was declared or made in this block before the `-E` (a declaration after it flushes the chain the kernel renames). */
  fresh: boolean;
  line: number;
  column: number;
}

/** What a block's `-E` lines asked for, applied when it commits. */
export class ChainRenames {
  /** By the name the block knows the chain by; a later `-E` of the same chain replaces the earlier. */
  readonly #pending = new Map<string, PendingRename>();

  /**
   * `-E from to` at `line`: the refusal nft_chain_user_rename() gives at once (iptables 1.8.9: a built-in or
   * missing chain is "No chain/target/match by that name.", a name the table has is "File exists."), else
   * undefined with the rename kept for the commit.
   */
  request(table: Table, from: string, to: string, fresh: boolean, line: number, column: number): string | undefined {
    const c = table.chains.get(from);
    if (c === undefined || c.hook !== null) return 'No chain/target/match by that name.';
    if (table.chains.has(to)) return 'File exists.';
    this.#pending.delete(from);
    this.#pending.set(from, { to, fresh, line, column });
    return undefined;
  }

  get empty(): boolean {
    return this.#pending.size === 0;
  }

  /**
   * Applies the renames to the block's table at COMMIT; the errors the kernel gives instead (the table is then
   * not committed). `writable` hands out a chain the block may change (copy on write); `touched` is told of
   * every chain whose name or rules changed.
   */
  commit(table: Table, writable: (name: string) => Chain | undefined, touched: (name: string) => void): RestoreError[] {
    const errors: RestoreError[] = [];
    const renamed = new Map<string, string>();
    const taken = new Set<string>();
    for (const [from, p] of this.#pending) {
      if (!table.chains.has(from)) continue;
      if (p.fresh) {
        errors.push({ line: p.line, column: p.column, message: `CHAIN_RENAME failed (No such file or directory): chain ${p.to}` });
        continue;
      }
      // The kernel's nf_tables_newchain() looks NEW up among the chains the batch leaves: one made after the
      // rename (`-E A C`, `-N C`) gives the kernel two chains C; not modelled, refused as a clash.
      if (taken.has(p.to) || table.chains.has(p.to)) {
        errors.push({ line: p.line, column: p.column, message: `CHAIN_RENAME failed (File exists): chain ${p.to}` });
        continue;
      }
      taken.add(p.to);
      renamed.set(from, p.to);
    }
    if (errors.length > 0 || renamed.size === 0) return errors;
    for (const [from, to] of renamed) {
      const c = writable(from)!;
      table.chains.delete(from);
      c.name = to;
      table.chains.set(to, c);
      touched(from);
      touched(to);
    }
    // The rules that jump or go to a renamed chain name it by its new name (the kernel's verdict points at the
    // chain itself). Their words as written named the old one: they are printed from the parse.
    for (const name of Array.from(table.chains.keys())) {
      if (!table.chains.get(name)!.rules.some((r) => retarget(r, renamed) !== r)) continue;
      const w = writable(name)!;
      w.rules = w.rules.map((r) => retarget(r, renamed));
      touched(name);
    }
    return errors;
  }
}

function retarget(r: Rule, renamed: ReadonlyMap<string, string>): Rule {
  const t = r.target;
  if (t.kind !== 'jump' && t.kind !== 'goto') return r;
  const to = renamed.get(t.chain);
  if (to === undefined) return r;
  return { basics: r.basics, matches: r.matches, target: { kind: t.kind, chain: to }, counters: { packets: r.counters.packets, bytes: r.counters.bytes } };
}
