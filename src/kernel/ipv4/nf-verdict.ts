import type { Skb } from '../../packet/skb.js';
import type { Netns } from '../netns/netns.js';
import type { NfVerdict } from '../netfilter/hooks.js';
import type { RejectWith } from '../netfilter/verdict.js';
import { fate } from '../report.js';
import { icmpSend } from './icmp.js';
import { tcpHeader } from './local-deliver.js';
import { ipSend } from './send.js';

const REJECT_ICMP_CODE: Record<Exclude<RejectWith, 'tcp-reset'>, number> = {
  'icmp-net-unreachable': 0,
  'icmp-host-unreachable': 1,
  'icmp-proto-unreachable': 2,
  'icmp-port-unreachable': 3,
  'icmp-net-prohibited': 9,
  'icmp-host-prohibited': 10,
  'icmp-admin-prohibited': 13,
};

/**
 * What a hook's DROP or REJECT does to the packet. Linux: REJECT is nf_send_unreach() (an ICMP error from
 * this namespace, as icmp_send() would) or nf_send_reset() (a RST from the packet's destination address).
 * Returns true when the packet goes on.
 */
export function applyNfVerdict(ns: Netns, skb: Skb, v: NfVerdict, where: string, dev: string | null): boolean {
  if (v.verdict === 'ACCEPT') return true;
  if (v.verdict === 'DROP') {
    fate(ns, skb.leg, 'DROPPED', v.reason === 'NETFILTER_DROP' ? 'NETFILTER_DROP' : 'NETFILTER_DROP', `${where}: ${v.rule ?? v.reason}`, { dev });
    return false;
  }
  fate(ns, skb.leg, 'REJECTED', null, `${where}: ${v.rule ?? 'REJECT'} (${v.with})`, { dev });
  if (v.with === 'tcp-reset') {
    const p = skb.packet;
    if (p.l4.proto === 'tcp' && !p.l4.tcp.flags.rst) {
      const t = p.l4.tcp;
      const leg = ns.env.sink.answer(skb.leg, 'rst');
      const rst = t.flags.ack
        ? tcpHeader(t.dport, t.sport, t.ack, 0, { rst: true })
        : tcpHeader(t.dport, t.sport, 0, t.seq + (t.flags.syn ? 1 : 0) + (t.flags.fin ? 1 : 0) + p.payloadLength, { rst: true, ack: true });
      // nf_send_reset() routes the RST as a local packet with the offending packet's destination as source.
      ipSend(ns, leg, { src: p.ip.dst, dst: p.ip.src, l4: { proto: 'tcp', tcp: rst }, payloadLength: 0, freebind: true });
    }
    return false;
  }
  icmpSend(ns, skb, 3, REJECT_ICMP_CODE[v.with], 0);
  return false;
}
