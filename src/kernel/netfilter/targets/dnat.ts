// Linux: xt_dnat_target_v2() -> nf_nat_setup_info(NF_NAT_MANIP_DST); here a NAT request for conntrack.

import type { TargetModule } from '../module.js';
import type { NatRange } from '../verdict.js';
import { formatNatRange, NEED_PROTO, parseNatRange, portsNeedProto } from './nat-range.js';

export const dnatTarget: TargetModule = {
  name: 'DNAT',
  tables: ['nat'],
  hooks: ['PREROUTING', 'OUTPUT'],
  options: [
    { name: 'to-destination', args: 1 },
    { name: 'random', args: 0 },
    { name: 'persistent', args: 0 },
  ],
  create() {
    const s: { range: NatRange | null; random: boolean; persistent: boolean } = { range: null, random: false, persistent: false };
    return {
      option(name, args, _invert, env) {
        if (name === 'to-destination') {
          const r = parseNatRange(args[0]);
          if (typeof r === 'string') return r;
          if (r.ports && portsNeedProto(env)) return NEED_PROTO;
          s.range = r;
        } else if (name === 'random') s.random = true;
        else s.persistent = true;
        return undefined;
      },
      finish() {
        const range = s.range;
        if (!range) return 'DNAT: option "--to-destination" must be specified';
        const w: string[] = [];
        if (range) w.push(`--to-destination ${formatNatRange(range)}`);
        if (s.random) w.push('--random');
        if (s.persistent) w.push('--persistent');
        const flags = { random: s.random, randomFully: false, persistent: s.persistent };
        return {
          name: 'DNAT',
          saveText: w.join(' '),
          apply: () => ({ kind: 'nat', nat: { kind: 'dnat', range, flags } }),
        };
      },
    };
  },
};
