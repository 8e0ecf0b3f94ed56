import type { Skb } from '../../packet/skb.js';
import type { Netns } from '../netns/netns.js';
import type { RejectWith } from './verdict.js';

/** Netfilter hook points (include/uapi/linux/netfilter.h). */
export type NfHook = 'PREROUTING' | 'INPUT' | 'FORWARD' | 'OUTPUT' | 'POSTROUTING';

/** NFPROTO_IPV4 for the IP stack; `bridge` when br_netfilter calls the IPv4 hooks for a bridged frame. */
export type NfFamily = 'ipv4' | 'bridge';

export interface NfContext {
  hook: NfHook;
  family: NfFamily;
  in: string | null;
  out: string | null;
  /** br_netfilter: the bridge ports (`-m physdev`). */
  physIn?: string | null;
  physOut?: string | null;
  /** POSTROUTING: the route's next hop, for MASQUERADE's source choice (nf_nat_masquerade_ipv4()). */
  nexthop?: number;
}

export type NfVerdict =
  | { verdict: 'ACCEPT' }
  | { verdict: 'DROP'; reason: string; rule: string | null }
  | { verdict: 'REJECT'; with: RejectWith; rule: string | null };

/**
 * Linux: nf_hook(). Runs the hook's tables in priority order (raw -300, conntrack -200, mangle -150,
 * nat DNAT -100, filter 0, security 50, nat SNAT 100, conntrack confirm last). A namespace without
 * iptables rules accepts everything and tracks nothing.
 */
export function nfHook(ns: Netns, skb: Skb, ctx: NfContext): NfVerdict {
  const engine = ns.netfilter;
  if (!engine) return { verdict: 'ACCEPT' };
  return engine(skb, ctx);
}

export type NetfilterEngine = (skb: Skb, ctx: NfContext) => NfVerdict;
