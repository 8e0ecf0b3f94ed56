// Linux: nflog_tg() in net/netfilter/xt_NFLOG.c hands a copy of the packet to nfnetlink_log (ulogd, or a
// `tcpdump -i nflog:N`) and continues (XT_CONTINUE); here it is a traced event. Options and save form from
// extensions/libxt_NFLOG.c (nflog_print(): prefix, group when not 0, size, threshold when not 0;
// --nflog-range "has never worked" and is taken but not kept).

import type { TargetModule } from '../module.js';
import { saveString } from '../save-string.js';

/** iptables-nft turns NFLOG into nft's `log group`, whose prefix holds 127 characters. */
const MAX_PREFIX = 127;

export const nflogTarget: TargetModule = {
  name: 'NFLOG',
  options: ['nflog-group', 'nflog-prefix', 'nflog-range', 'nflog-size', 'nflog-threshold'].map((name) => ({ name, args: 1 as const })),
  create() {
    const s: { group: number; prefix: string; size: number | null; threshold: number } = { group: 0, prefix: '', size: null, threshold: 0 };
    return {
      option(name, args) {
        const a = args[0];
        const num = (max: number): number | undefined => (/^[0-9]+$/.test(a) && Number(a) <= max ? Number(a) : undefined);
        if (name === 'nflog-prefix') {
          if (a.length < 1) return 'Argument must have a minimum length of 1 characters';
          if (a.length > MAX_PREFIX) return `Argument must have a maximum length of ${MAX_PREFIX} characters`;
          s.prefix = a;
          return undefined;
        }
        const max = name === 'nflog-group' || name === 'nflog-threshold' ? 65535 : 0xffffffff;
        const v = num(max);
        if (v === undefined) return `NFLOG: bad value for option "--${name}", or out of range (0-${max}).`;
        if (name === 'nflog-group') s.group = v;
        else if (name === 'nflog-size') s.size = v;
        else if (name === 'nflog-threshold') s.threshold = v;
        return undefined;
      },
      finish() {
        const { group, prefix, size, threshold } = s;
        const w: string[] = [];
        if (prefix) w.push(`--nflog-prefix ${saveString(prefix)}`);
        if (group) w.push(`--nflog-group ${group}`);
        if (size !== null) w.push(`--nflog-size ${size}`);
        if (threshold) w.push(`--nflog-threshold ${threshold}`);
        const event = { kind: 'nflog' as const, prefix: `group ${group}${prefix ? ` prefix ${JSON.stringify(prefix)}` : ''}`, level: 4 };
        return { name: 'NFLOG', saveText: w.join(' '), apply: () => ({ kind: 'continue', event }) };
      },
    };
  },
};
