// The ports the kernel draws at random, which the oracle compares as `*` (and says so in the verify report).
// Exactly two kinds, nothing else:
//  - the outer UDP source port of a VXLAN packet: vxlan_xmit_one() -> udp_flow_src_port() hashes the inner flow
//    with a hash seeded once per boot (skb_get_hash(), net_get_random_once), so the conntrack entry a node
//    keeps for the outer flow has a source port no emulator can predict;
//  - the source port a `MASQUERADE --random-fully` or `SNAT --random-fully` picks: nf_nat_l4proto_unique_tuple()
//    with NF_NAT_RANGE_PROTO_RANDOM_FULLY starts from get_random_u16(), so the peer sees a port of its own.
// Every other port (a kept source port, a NAT that did not randomize, a listener's port) is still compared.

import type { WorldSpec } from '../kernel/netns/world-spec.js';
import type { Trace } from '../trace/model.js';
import { formatIpv4 } from '../wire/ipv4-addr.js';

/** Why a VXLAN outer flow's source port is `*`. */
export const VXLAN_SPORT_REASON = 'the outer VXLAN UDP source port is udp_flow_src_port() of the inner flow hash, seeded per boot';

/** Why the port a --random-fully NAT picked is `*`. */
export const RANDOM_FULLY_REASON = '--random-fully source NAT picks the port with get_random_u16() (nf_nat_l4proto_unique_tuple)';

/** A VXLAN device's outer flows: UDP from one of `src` (its VTEP addresses) to `dport`. */
export interface VxlanFlowSource {
  src: string;
  dport: number;
}

/**
 * The outer flows of every vxlan device of the world: from its `local` address, or without one from the
 * addresses of its underlay `dev` (the route's source then), to its `dstport`.
 */
export function vxlanFlowSources(spec: WorldSpec): VxlanFlowSource[] {
  const out: VxlanFlowSource[] = [];
  for (const n of spec.namespaces) {
    for (const l of n.links) {
      if (l.type !== 'vxlan' || l.vxlan === undefined) continue;
      const v = l.vxlan;
      const srcs = v.local !== undefined
        ? [v.local]
        : n.links.filter((d) => v.dev === undefined || d.name === v.dev).flatMap((d) => d.addresses.map((a) => a.addr));
      for (const s of srcs) {
        const src = formatIpv4(s);
        if (!out.some((x) => x.src === src && x.dport === v.dstport)) out.push({ src, dport: v.dstport });
      }
    }
  }
  return out;
}

/** Whether an original tuple (`src`, `dport`) is the outer flow of one of `flows`. */
export function isVxlanOuterFlow(flows: readonly VxlanFlowSource[], src: string | undefined, dport: string | undefined): boolean {
  return flows.some((f) => f.src === src && String(f.dport) === dport);
}

/** Whether a hop is a --random-fully source NAT (MASQUERADE or SNAT) that acted. */
function isRandomFullyNat(h: Trace['hops'][number]): boolean {
  return h.table === 'nat' && h.verdict === 'NAT' && h.rule !== null && /\s-j\s+(MASQUERADE|SNAT)\b.*\s--random-fully\b/.test(` ${h.rule}`);
}

/** The namespace of the first --random-fully source NAT on the packet's way, if there is one. */
export function randomFullyNat(trace: Trace): string | undefined {
  return trace.hops.find(isRandomFullyNat)?.netns;
}

/** The namespaces of every --random-fully source NAT on the packet's way. */
export function randomFullyNats(trace: Trace): string[] {
  return [...new Set(trace.hops.filter(isRandomFullyNat).map((h) => h.netns))];
}
