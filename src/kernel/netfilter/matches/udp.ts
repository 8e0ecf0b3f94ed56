// Linux: udp_mt() in net/netfilter/xt_tcpudp.c; options and save form from extensions/libxt_udp.c.

import type { MatchModule } from '../module.js';
import type { NfPacketContext } from '../context.js';
import { formatPortRange, parsePortRange, type PortRange } from '../numbers.js';
import { inRange } from './l4-ports.js';

interface Ports {
  range: PortRange;
  invert: boolean;
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
    const ports: { s: Ports | null; d: Ports | null } = { s: null, d: null };
    return {
      option(name, args, invert) {
        const range = parsePortRange(args[0]);
        if (typeof range === 'string') return range;
        if (name === 'sport' || name === 'source-port') ports.s = { range, invert };
        else ports.d = { range, invert };
        return undefined;
      },
      finish(env) {
        if (env.proto !== 17 || env.protoInvert) return "UDP match requires '-p udp'";
        const { s, d } = ports;
        const words: string[] = [];
        if (s) words.push(`${s.invert ? '! ' : ''}--sport ${formatPortRange(s.range)}`);
        if (d) words.push(`${d.invert ? '! ' : ''}--dport ${formatPortRange(d.range)}`);
        return {
          module: 'udp',
          saveText: words.join(' '),
          pure: true,
          exactDport: d && !d.invert && d.range.min === d.range.max ? d.range.min : undefined,
          match(ctx: NfPacketContext) {
            const p = ctx.packet;
            if (p.ip.fragOffset !== 0 || p.l4.proto !== 'udp') return false;
            const u = p.l4.udp;
            if (s && inRange(u.sport, s.range) === s.invert) return false;
            if (d && inRange(u.dport, d.range) === d.invert) return false;
            return true;
          },
        };
      },
    };
  },
};
