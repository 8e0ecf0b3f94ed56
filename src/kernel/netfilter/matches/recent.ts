// Linux: recent_mt() in net/netfilter/xt_recent.c, on the namespace's lists in `ctx.state.recent` and the clock
// `ctx.now()` (milliseconds). Save order from recent_save() in extensions/libxt_recent.c.

import type { MatchModule } from '../module.js';
import type { NfPacketContext } from '../context.js';
import { formatIpv4 } from '../../../wire/ipv4-addr.js';
import { parseAddressList } from '../basic-filter.js';
import { parseUint } from '../numbers.js';

type Check = 'set' | 'rcheck' | 'update' | 'remove';

/** ip_pkt_list_tot: how many hit times an entry keeps (module parameter, default 20). */
const PKT_LIST_TOT = 20;

export const recentMatch: MatchModule = {
  name: 'recent',
  options: [
    { name: 'set', args: 0, invertible: true },
    { name: 'rcheck', args: 0, invertible: true },
    { name: 'update', args: 0, invertible: true },
    { name: 'remove', args: 0, invertible: true },
    { name: 'seconds', args: 1 },
    { name: 'reap', args: 0 },
    { name: 'hitcount', args: 1 },
    { name: 'rttl', args: 0 },
    { name: 'name', args: 1 },
    { name: 'rsource', args: 0 },
    { name: 'rdest', args: 0 },
    { name: 'mask', args: 1 },
  ],
  create() {
    const s: { check?: Check; invert: boolean; seconds: number; reap: boolean; hitcount: number; rttl: boolean; name: string; side: 'rsource' | 'rdest'; mask: number } = {
      invert: false, seconds: 0, reap: false, hitcount: 0, rttl: false, name: 'DEFAULT', side: 'rsource', mask: 0xffffffff,
    };
    return {
      option(name, args, invert) {
        switch (name) {
          case 'set': case 'rcheck': case 'update': case 'remove':
            if (s.check) return 'recent: only one of `--set\', `--rcheck\' `--update\' or `--remove\' may be set';
            s.check = name;
            s.invert = invert;
            return undefined;
          case 'seconds': case 'hitcount': {
            const n = parseUint(args[0]);
            if (n === undefined) return `recent: bad value for option "--${name}", or out of range.`;
            if (name === 'seconds') s.seconds = n;
            else s.hitcount = n;
            return undefined;
          }
          case 'reap': s.reap = true; return undefined;
          case 'rttl': s.rttl = true; return undefined;
          case 'name': s.name = args[0]; return undefined;
          case 'rsource': case 'rdest': s.side = name; return undefined;
          default: {
            const m = parseAddressList(args[0]);
            if (typeof m === 'string' || m.length !== 1) return `recent: bad value for option "--mask"`;
            s.mask = m[0].addr;
            return undefined;
          }
        }
      },
      finish() {
        const check = s.check;
        if (!check) return 'recent: you must specify one of `--set\', `--rcheck\' `--update\' or `--remove\'';
        if (s.reap && !s.seconds) return 'recent: --reap requires --seconds';
        if ((s.seconds || s.hitcount) && (check === 'set' || check === 'remove')) return 'recent: --seconds and --hitcount require --rcheck or --update';
        const w = [`${s.invert ? '! ' : ''}--${check}`];
        if (s.seconds) w.push(`--seconds ${s.seconds}`);
        if (s.reap) w.push('--reap');
        if (s.hitcount) w.push(`--hitcount ${s.hitcount}`);
        if (s.rttl) w.push('--rttl');
        w.push(`--name ${s.name}`, `--mask ${formatIpv4(s.mask)}`, `--${s.side}`);
        const cfg = { ...s, check };
        return {
          module: 'recent',
          saveText: w.join(' '),
          pure: cfg.check === 'rcheck' && !cfg.reap,
          match(ctx: NfPacketContext) {
            let table = ctx.state.recent.get(cfg.name);
            if (!table) {
              table = new Map();
              ctx.state.recent.set(cfg.name, table);
            }
            const addr = ((cfg.side === 'rsource' ? ctx.packet.ip.src : ctx.packet.ip.dst) & cfg.mask) >>> 0;
            const now = ctx.now();
            let ret = cfg.invert;
            let stamps = table.get(addr);
            if (cfg.check === 'set') {
              if (!stamps) table.set(addr, (stamps = []));
              stamps.push(now);
              if (stamps.length > PKT_LIST_TOT) stamps.shift();
              return !ret;
            }
            if (!stamps) return ret;
            if (cfg.check === 'remove') {
              table.delete(addr);
              return !ret;
            }
            if (cfg.seconds || cfg.hitcount) {
              const since = now - cfg.seconds * 1000;
              let hits = 0;
              for (const t of stamps) {
                if (cfg.seconds && t < since) continue;
                if (!cfg.hitcount || ++hits >= cfg.hitcount) {
                  ret = !ret;
                  break;
                }
              }
              if (cfg.reap) {
                const kept = stamps.filter((t: number) => t >= since);
                if (kept.length === 0) table.delete(addr);
                else table.set(addr, (stamps = kept));
              }
            } else {
              ret = !ret;
            }
            if (cfg.check === 'update' && ret && table.has(addr)) {
              stamps.push(now);
              if (stamps.length > PKT_LIST_TOT) stamps.shift();
            }
            return ret;
          },
        };
      },
    };
  },
};
