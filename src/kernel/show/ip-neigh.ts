// `ip neigh show` (iproute2 6.1 ip/ipneigh.c, print_neigh()) for one namespace.

import type { Netns } from '../netns/netns.js';
import type { Neighbour, NudState } from '../neigh/neigh-table.js';
import { formatIpv4 } from '../../wire/ipv4-addr.js';

/** NUD_VALID: the states in which neigh_fill_info() includes NDA_LLADDR. */
const NUD_VALID: ReadonlySet<NudState> = new Set<NudState>(['PERMANENT', 'NOARP', 'REACHABLE', 'PROBE', 'STALE', 'DELAY']);

/** One entry: `ADDR dev DEV [lladdr MAC] STATE `, with the space print_neigh_state() leaves after each state. */
function neighLine(n: Neighbour): string {
  const lladdr = n.lladdr !== null && NUD_VALID.has(n.state) ? `lladdr ${n.lladdr} ` : '';
  return `${formatIpv4(n.addr)} dev ${n.dev} ${lladdr}${n.state} \n`;
}

/**
 * `ip neigh show`. Without `nud`, iproute2 filters out NOARP entries (filter.state = 0xFF & ~NUD_NOARP). The
 * kernel dumps its hash table, whose order depends on a per-table random seed (neigh_hash_alloc()); this lists
 * entries in the order the model created them, so compare with a real dump line by line, not in order.
 */
export function showNeigh(ns: Netns): string {
  return ns.neigh
    .entries(ns.env.timers.now())
    .filter((n) => n.state !== 'NOARP')
    .map(neighLine)
    .join('');
}
