import type { Skb } from '../../packet/skb.js';
import type { Netns } from '../netns/netns.js';

/** Netfilter hook points (include/uapi/linux/netfilter.h). */
export type NfHook = 'PREROUTING' | 'INPUT' | 'FORWARD' | 'OUTPUT' | 'POSTROUTING';

/** NFPROTO_IPV4 for the IP stack, NFPROTO_BRIDGE-called iptables for br_netfilter. */
export type NfFamily = 'ipv4' | 'bridge';

export interface NfContext {
  hook: NfHook;
  family: NfFamily;
  in: string | null;
  out: string | null;
}

export type NfVerdict = { verdict: 'ACCEPT' } | { verdict: 'DROP'; rule: string | null };

/**
 * Linux: nf_hook(). Runs the hook's tables in priority order (raw -300, conntrack -200, mangle -150,
 * nat DNAT -100, filter 0, security 50, nat SNAT 100). With no rule engine loaded every hook accepts;
 * the netfilter engine plugs in here.
 */
export function nfHook(ns: Netns, skb: Skb, ctx: NfContext): NfVerdict {
  const engine = ns.netfilter;
  if (!engine) return { verdict: 'ACCEPT' };
  return engine(skb, ctx);
}

export type NetfilterEngine = (skb: Skb, ctx: NfContext) => NfVerdict;
