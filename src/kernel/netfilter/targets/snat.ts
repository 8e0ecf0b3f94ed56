// Linux: xt_snat_target_v2() -> nf_nat_setup_info(NF_NAT_MANIP_SRC); here a NAT request for conntrack.

import type { TargetModule } from '../module.js';
import type { NatRange } from '../verdict.js';
import { formatNatRange, NEED_PROTO, parseNatRange, portsNeedProto } from './nat-range.js';

export const snatTarget: TargetModule = {
  name: 'SNAT',
  tables: ['nat'],
  hooks: ['POSTROUTING', 'INPUT'],
  options: [
    { name: 'to-source', args: 1 },
    { name: 'random', args: 0 },
    { name: 'random-fully', args: 0 },
    { name: 'persistent', args: 0 },
  ],
  create() {
    const s: { range: NatRange | null; random: boolean; randomFully: boolean; persistent: boolean } = {
      range: null, random: false, randomFully: false, persistent: false,
    };
    return {
      option(name, args, _invert, env) {
        if (name === 'to-source') {
          const r = parseNatRange(args[0]);
          if (typeof r === 'string') return r;
          if (r.ports && portsNeedProto(env)) return NEED_PROTO;
          s.range = r;
        } else if (name === 'random') s.random = true;
        else if (name === 'random-fully') s.randomFully = true;
        else s.persistent = true;
        return undefined;
      },
      finish() {
        const range = s.range;
        if (!range) return 'SNAT: option "--to-source" must be specified';
        const w = [`--to-source ${formatNatRange(range)}`];
        if (s.random) w.push('--random');
        if (s.randomFully) w.push('--random-fully');
        if (s.persistent) w.push('--persistent');
        const flags = { random: s.random, randomFully: s.randomFully, persistent: s.persistent };
        return { name: 'SNAT', saveText: w.join(' '), apply: () => ({ kind: 'nat', nat: { kind: 'snat', range, flags } }) };
      },
    };
  },
};
