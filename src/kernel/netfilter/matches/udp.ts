// Linux: udp_mt() in net/netfilter/xt_tcpudp.c; options and save form from extensions/libxt_udp.c (its ports
// are XTTYPE_PORTRC: a service name of any protocol, decimal numbers).

import type { MatchModule } from '../module.js';
import type { NfPacketContext } from '../context.js';
import { formatPortRange, parsePortRange } from '../numbers.js';
import { defaultPortTest, inRange, nftPortTest, type PortTest } from './l4-ports.js';

interface UdpSpec {
  s: PortTest | null;
  d: PortTest | null;
}

/** udp_save() in extensions/libxt_udp.c: a full port range prints nothing. */
function saveText(u: UdpSpec): string {
  const words: string[] = [];
  for (const [opt, p] of [['--sport', u.s], ['--dport', u.d]] as const) {
    if (p && !defaultPortTest({ ...p, invert: false })) words.push(`${p.invert ? '! ' : ''}${opt} ${formatPortRange(p.range)}`);
  }
  return words.join(' ');
}

/**
 * What iptables-nft keeps of a udp match (add_nft_udp()): an empty `-m udp` when both ranges are at their
 * default, else the port tests as nftPortTest() stores them; null when nothing is left.
 */
function stored(u: UdpSpec): UdpSpec | null {
  if (defaultPortTest(u.s) && defaultPortTest(u.d)) return { s: null, d: null };
  const kept = { s: nftPortTest(u.s), d: nftPortTest(u.d) };
  return kept.s || kept.d ? kept : null;
}

export const udpMatch: MatchModule = {
  name: 'udp',
  options: [
    { name: 'sport', args: 1, invertible: true },
    { name: 'source-port', args: 1, invertible: true },
    { name: 'dport', args: 1, invertible: true },
    { name: 'destination-port', args: 1, invertible: true },
  ],
  create() {
    const spec: UdpSpec = { s: null, d: null };
    return {
      option(name, args, invert) {
        const range = parsePortRange(args[0], null);
        if (typeof range === 'string') return range;
        if (name === 'sport' || name === 'source-port') spec.s = { range, invert };
        else spec.d = { range, invert };
        return undefined;
      },
      finish(env) {
        if (env.proto !== 17 || env.protoInvert) return "UDP match requires '-p udp'";
        const u = stored(spec);
        if (!u) return null;
        const { s, d } = u;
        return {
          module: 'udp',
          saveText: saveText(u),
          pure: true,
          exactDport: d && !d.invert && d.range.min === d.range.max ? d.range.min : undefined,
          match(ctx: NfPacketContext) {
            const p = ctx.packet;
            if (p.ip.fragOffset !== 0 || p.l4.proto !== 'udp') return false;
            const h = p.l4.udp;
            if (s && inRange(h.sport, s.range) === s.invert) return false;
            if (d && inRange(h.dport, d.range) === d.invert) return false;
            return true;
          },
        };
      },
    };
  },
};
