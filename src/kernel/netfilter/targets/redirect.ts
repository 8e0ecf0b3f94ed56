// Linux: redirect_tg4() -> nf_nat_redirect_ipv4(): DNAT to the primary address of the input device (127.0.0.1
// for locally generated packets), chosen by the conntrack layer.

import type { TargetModule } from '../module.js';
import { formatPorts, NEED_PROTO, parsePorts, portsNeedProto } from './nat-range.js';

export const redirectTarget: TargetModule = {
  name: 'REDIRECT',
  tables: ['nat'],
  hooks: ['PREROUTING', 'OUTPUT'],
  options: [
    { name: 'to-ports', args: 1 },
    { name: 'random', args: 0 },
  ],
  create() {
    const s: { ports: { min: number; max: number } | null; random: boolean } = { ports: null, random: false };
    return {
      option(name, args, _invert, env) {
        if (name === 'to-ports') {
          const p = parsePorts(args[0]);
          if (typeof p === 'string') return p;
          if (portsNeedProto(env)) return NEED_PROTO;
          s.ports = p;
        } else s.random = true;
        return undefined;
      },
      finish() {
        const w: string[] = [];
        if (s.ports) w.push(`--to-ports ${formatPorts(s.ports)}`);
        if (s.random) w.push('--random');
        const range = s.ports ? { minAddr: 0, maxAddr: 0, ports: s.ports } : null;
        const flags = { random: s.random, randomFully: false, persistent: false };
        return { name: 'REDIRECT', saveText: w.join(' '), apply: () => ({ kind: 'nat', nat: { kind: 'redirect', range, flags } }) };
      },
    };
  },
};
