// Tables that iptables-restore committed (or copies of one): the commit checked them as the kernel does, so every
// `-j` / `-g` of their chains names a chain of the same table (no dangling jump: nft_validate / the table
// validation of restore-apply.ts refuse one, and committed tables are never changed in place). A restore may then
// take a kept chain's jumps as existing without looking each one up (restore-parse.ts).

import type { Table } from './ruleset.js';

const committed = new WeakSet<Table>();

export function markCommitted(t: Table): void {
  committed.add(t);
}

export function isCommitted(t: Table): boolean {
  return committed.has(t);
}
