// Linux: masquerade_tg() -> nf_nat_masquerade_ipv4(): SNAT to the output device's primary address, chosen by
// the conntrack layer. `--to-ports` limits the source ports.

import type { TargetModule } from '../module.js';
import { formatPorts, NEED_PROTO, parsePorts, portsNeedProto } from './nat-range.js';

export const masqueradeTarget: TargetModule = {
  name: 'MASQUERADE',
  tables: ['nat'],
  hooks: ['POSTROUTING'],
  options: [
    { name: 'to-ports', args: 1 },
    { name: 'random', args: 0 },
    { name: 'random-fully', args: 0 },
  ],
  create() {
    const s: { ports: { min: number; max: number } | null; random: boolean; randomFully: boolean } = { ports: null, random: false, randomFully: false };
    return {
      option(name, args, _invert, env) {
        if (name === 'to-ports') {
          const p = parsePorts(args[0]);
          if (typeof p === 'string') return p;
          if (portsNeedProto(env)) return NEED_PROTO;
          s.ports = p;
        } else if (name === 'random') s.random = true;
        else s.randomFully = true;
        return undefined;
      },
      finish() {
        const w: string[] = [];
        if (s.ports) w.push(`--to-ports ${formatPorts(s.ports)}`);
        if (s.random) w.push('--random');
        if (s.randomFully) w.push('--random-fully');
        const range = s.ports ? { minAddr: 0, maxAddr: 0, ports: s.ports } : null;
        const flags = { random: s.random, randomFully: s.randomFully, persistent: false };
        return { name: 'MASQUERADE', saveText: w.join(' '), apply: () => ({ kind: 'nat', nat: { kind: 'masquerade', range, flags } }) };
      },
    };
  },
};
