// Linux: multiport_mt() in net/netfilter/xt_multiport.c (revision 1: ports and ranges, at most 15 slots);
// options and save form from extensions/libxt_multiport.c.

import type { MatchModule, RuleEnv } from '../module.js';
import type { NfPacketContext } from '../context.js';
import { parsePortRange, type PortRange } from '../numbers.js';
import { protocolName } from '../protocols.js';
import { inRange, l4Ports } from './l4-ports.js';

const XT_MULTI_PORTS = 15;
type Flavour = 'sports' | 'dports' | 'ports';

const CANONICAL: Readonly<Record<string, Flavour>> = {
  sports: 'sports', 'source-ports': 'sports', dports: 'dports', 'destination-ports': 'dports', ports: 'ports',
};
const LONG: Readonly<Record<Flavour, string>> = { sports: 'source-ports', dports: 'destination-ports', ports: 'ports' };

const NEEDS_PROTO = "multiport needs `-p tcp', `-p udp', `-p udplite', `-p sctp' or `-p dccp'";

function portProto(env: RuleEnv): boolean {
  return [6, 17, 136, 132, 33].includes(env.proto) && !env.protoInvert;
}

export const multiportMatch: MatchModule = {
  name: 'multiport',
  options: ['sports', 'source-ports', 'dports', 'destination-ports', 'ports'].map((name) => ({ name, args: 1 as const, invertible: true })),
  create() {
    let spec: { flavour: Flavour; ranges: PortRange[]; invert: boolean } | null = null;
    return {
      option(name, args, invert, env) {
        const flavour = CANONICAL[name];
        if (spec) return `multiport: option "--${LONG[flavour]}" cannot be used together with "--${LONG[spec.flavour]}".`;
        // multiport_parse(): check_proto() reads the `-p` given so far, and names are looked up for that protocol.
        if (!portProto(env)) return NEEDS_PROTO;
        const proto = protocolName(env.proto);
        const ranges: PortRange[] = [];
        let slots = 0;
        for (const item of args[0].split(',')) {
          const r = parsePortRange(item, proto);
          if (typeof r === 'string') return r;
          ranges.push(r);
          slots += item.includes(':') ? 2 : 1;
        }
        if (slots > XT_MULTI_PORTS) return 'too many ports specified';
        spec = { flavour, ranges, invert };
        return undefined;
      },
      finish(env) {
        if (!portProto(env)) return NEEDS_PROTO;
        const s = spec as { flavour: Flavour; ranges: PortRange[]; invert: boolean } | null;
        if (!s) return 'multiport: option "--ports" must be specified';
        const list = s.ranges.map((r) => (r.min === r.max ? `${r.min}` : `${r.min}:${r.max}`)).join(',');
        const single = s.flavour === 'dports' && !s.invert && s.ranges.length === 1 && s.ranges[0].min === s.ranges[0].max;
        return {
          module: 'multiport',
          saveText: `${s.invert ? '! ' : ''}--${s.flavour} ${list}`,
          pure: true,
          exactDport: single ? s.ranges[0].min : undefined,
          match(ctx: NfPacketContext) {
            const ports = l4Ports(ctx.packet);
            if (!ports) return false;
            const any = (v: number) => s.ranges.some((r) => inRange(v, r));
            const hit = s.flavour === 'sports' ? any(ports.sport) : s.flavour === 'dports' ? any(ports.dport) : any(ports.sport) || any(ports.dport);
            return hit !== s.invert;
          },
        };
      },
    };
  },
};
