// `-Z [CHAIN]` of a built-in chain in an iptables-restore block, as iptables-nft 1.8.9 does it (measured in
// namespaces): __nft_chain_zero_counters() (iptables/nft.c) zeroes the counters of the chain object in its cache
// and batches that object again (NFT_COMPAT_CHAIN_ZERO), policy included; `-P` (nft_chain_set()) and a `:CHAIN
// POLICY` line batch a new chain object and leave the cache's as it was. So `-P FORWARD DROP` then `-Z` leaves
// FORWARD with the policy the cache holds: under --noflush the one the committed table had, otherwise ACCEPT
// (the table is flushed and nft_chain_builtin_init() caches the built-in chains with their default policy). A
// `-P` after the `-Z` sets the policy as usual.

import type { Chain, Policy, Table } from './ruleset.js';

/** The policy built-in chain `c` has after `-Z` in a block whose kept table is `base` (null: none kept). */
export function zeroedPolicy(base: Table | null, c: Chain): Policy | null {
  if (c.hook === null) return c.policy;
  return base?.chains.get(c.name)?.policy ?? 'ACCEPT';
}
