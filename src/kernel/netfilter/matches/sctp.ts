// Linux: sctp_mt() in net/netfilter/xt_sctp.c; options and save form from extensions/libxt_sctp.c. Ports are
// parsed with xtables_parse_port(..., "sctp") (a service name must be known for sctp: `domain` is not), and the
// rule stays an xt match under iptables-nft, so it is saved as given (`--sport 0:65535` included). The kernel's
// checkentry wants `-p sctp` (xt_sctp's .proto = IPPROTO_SCTP): iptables-restore fails the rule otherwise.

import type { MatchModule } from '../module.js';
import type { NfPacketContext } from '../context.js';
import { formatPortRange, parsePortRange } from '../numbers.js';
import { inRange, type PortTest } from './l4-ports.js';

interface SctpSpec {
  s: PortTest | null;
  d: PortTest | null;
}

/** sctp_save(): `[! ]--sport P[:Q]`, `[! ]--dport P[:Q]`, only the options given. */
function saveText(u: SctpSpec): string {
  const words: string[] = [];
  for (const [opt, p] of [['--sport', u.s], ['--dport', u.d]] as const) if (p) words.push(`${p.invert ? '! ' : ''}${opt} ${formatPortRange(p.range)}`);
  return words.join(' ');
}

export const sctpMatch: MatchModule = {
  name: 'sctp',
  options: [
    { name: 'sport', args: 1, invertible: true },
    { name: 'source-port', args: 1, invertible: true },
    { name: 'dport', args: 1, invertible: true },
    { name: 'destination-port', args: 1, invertible: true },
    { name: 'chunk-types', args: 2, invertible: true },
  ],
  create() {
    const spec: SctpSpec = { s: null, d: null };
    return {
      option(name, args, invert) {
        if (name === 'chunk-types') return 'sctp --chunk-types is real, but packetwalk does not model SCTP chunk matching (its packets carry one chunk)';
        const range = parsePortRange(args[0], 'sctp');
        if (typeof range === 'string') return range;
        if (name === 'sport' || name === 'source-port') spec.s = { range, invert };
        else spec.d = { range, invert };
        return undefined;
      },
      finish(env) {
        if (env.proto !== 132 || env.protoInvert) return "SCTP match requires '-p sctp'";
        const { s, d } = spec;
        return {
          module: 'sctp',
          saveText: saveText(spec),
          pure: true,
          exactDport: d && !d.invert && d.range.min === d.range.max ? d.range.min : undefined,
          match(ctx: NfPacketContext) {
            const p = ctx.packet;
            // sctp_mt(): a non-first fragment never matches.
            if (p.ip.fragOffset !== 0 || p.l4.proto !== 'sctp') return false;
            const h = p.l4.sctp;
            if (s && inRange(h.sport, s.range) === s.invert) return false;
            if (d && inRange(h.dport, d.range) === d.invert) return false;
            return true;
          },
        };
      },
    };
  },
};
