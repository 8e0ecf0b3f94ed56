// Linux: hashlimit_mt() in net/netfilter/xt_hashlimit.c (revision 3): a token bucket per flow key (the
// masked source and/or destination address and ports, as --hashlimit-mode picks them; one bucket without a
// mode), in packets per time; `--hashlimit-above` (or `! --hashlimit-upto`) inverts. A bucket idle for longer
// than --hashlimit-htable-expire is forgotten (the table's garbage collection). Options and save form from
// extensions/libxt_hashlimit.c (hashlimit_mt_save(), rates in 1/1000000 s, XT_HASHLIMIT_SCALE_v2); the burst
// is always printed, the expiry when it is not the unit of the printed rate (it defaults to the unit of the
// rate as written, so `1320/day` prints as `55/hour ... --hashlimit-htable-expire 86400000`). Byte-based rates (`1kb/s`) and
// --hashlimit-rate-match are not modelled.

import type { MatchModule } from '../module.js';
import type { NfPacketContext } from '../context.js';
import { formatIpv4 } from '../../../wire/ipv4-addr.js';
import { l4Ports } from './l4-ports.js';
import { formatRate, parseRate, rateUnitMs } from './limit.js';

const SCALE = 1_000_000;
const MODES = ['srcip', 'srcport', 'dstip', 'dstport'] as const;
type Mode = (typeof MODES)[number];
const GC_INTERVAL = 1000;

interface Config {
  avg: number;
  above: boolean;
  burst: number;
  modes: Set<Mode>;
  name: string | null;
  size: number;
  max: number;
  gc: number;
  expire: number | null;
  srcmask: number;
  dstmask: number;
}

const mask = (addr: number, len: number): number => (len === 0 ? 0 : (addr & (0xffffffff << (32 - len))) >>> 0);

export const hashlimitMatch: MatchModule = {
  name: 'hashlimit',
  options: [
    { name: 'hashlimit-upto', args: 1, invertible: true }, { name: 'hashlimit-above', args: 1, invertible: true },
    { name: 'hashlimit', args: 1 }, { name: 'hashlimit-burst', args: 1 }, { name: 'hashlimit-mode', args: 1 },
    { name: 'hashlimit-name', args: 1 }, { name: 'hashlimit-htable-size', args: 1 }, { name: 'hashlimit-htable-max', args: 1 },
    { name: 'hashlimit-htable-gcinterval', args: 1 }, { name: 'hashlimit-htable-expire', args: 1 },
    { name: 'hashlimit-srcmask', args: 1 }, { name: 'hashlimit-dstmask', args: 1 },
    { name: 'hashlimit-rate-match', args: 0 }, { name: 'hashlimit-rate-interval', args: 1 },
  ],
  create() {
    const c: Config = { avg: 0, above: false, burst: 5, modes: new Set(), name: null, size: 0, max: 0, gc: GC_INTERVAL, expire: null, srcmask: 32, dstmask: 32 };
    let rateGiven: string | null = null;
    /** The written rate's unit: the default --hashlimit-htable-expire (parse_rate() sets it from the unit). */
    let unitMs = 1000;
    let unmodelled: string | null = null;
    return {
      option(name, args, invert) {
        const a = args[0];
        const uint = (): number | undefined => (/^[0-9]+$/.test(a) && Number(a) <= 0xffffffff ? Number(a) : undefined);
        if (name === 'hashlimit-upto' || name === 'hashlimit-above' || name === 'hashlimit') {
          const other = name === 'hashlimit-above' ? 'hashlimit-upto' : 'hashlimit-above';
          if (rateGiven !== null && rateGiven !== name) return `hashlimit: option "--${rateGiven}" cannot be used together with "--${name === 'hashlimit' ? other : name}".`;
          rateGiven = name;
          if (/[0-9][kmg]?b\//i.test(a) || /^[0-9]+[kmg]?b$/i.test(a)) {
            unmodelled = `hashlimit: byte-based rates (${a}) are not modelled by packetwalk`;
            return undefined;
          }
          const v = parseRate(a, SCALE);
          if (v === 0) return `hashlimit: Bad value for "--${name}" option: "${a}"`;
          if (v < 0) return `Rate too fast "${a}"`;
          c.avg = v;
          unitMs = rateUnitMs(a);
          c.above = (name === 'hashlimit-above') !== invert;
          return undefined;
        }
        if (name === 'hashlimit-burst') {
          const n = uint();
          if (n === undefined || n < 1 || n > 1_000_000) return 'bad value for option "--hashlimit-burst", or out of range (1-1000000).';
          c.burst = n;
          return undefined;
        }
        if (name === 'hashlimit-mode') {
          const parts = a.split(',');
          if (parts.some((m) => !(MODES as readonly string[]).includes(m))) return `hashlimit: Bad value for "--hashlimit-mode" option: "${a}"`;
          c.modes = new Set(parts as Mode[]);
          return undefined;
        }
        if (name === 'hashlimit-name') {
          c.name = a;
          return undefined;
        }
        if (name === 'hashlimit-rate-match' || name === 'hashlimit-rate-interval') {
          unmodelled = `hashlimit: --${name} is not modelled by packetwalk`;
          return undefined;
        }
        const n = uint();
        if (n === undefined) return `hashlimit: bad value for option "--${name}", or out of range (0-4294967295).`;
        if (name === 'hashlimit-htable-size') c.size = n;
        else if (name === 'hashlimit-htable-max') c.max = n;
        else if (name === 'hashlimit-htable-gcinterval') c.gc = n;
        else if (name === 'hashlimit-htable-expire') c.expire = n;
        else if (name === 'hashlimit-srcmask') c.srcmask = n;
        else c.dstmask = n;
        return undefined;
      },
      finish() {
        if (unmodelled) return unmodelled;
        if (c.name === null) return 'hashlimit: option "--hashlimit-name" must be specified';
        if (rateGiven === null) return 'You have to specify --hashlimit';
        // hashlimit_mt_check_common(): masks beyond the address length are refused.
        if (c.srcmask > 32 || c.dstmask > 32) return 'RULE_APPEND failed (Invalid argument)';
        const rate = formatRate(c.avg, SCALE);
        const expire = c.expire ?? unitMs;
        const w = [`--hashlimit-${c.above ? 'above' : 'upto'} ${rate.text}`, `--hashlimit-burst ${c.burst}`];
        if (c.modes.size) w.push(`--hashlimit-mode ${MODES.filter((m) => c.modes.has(m)).join(',')}`);
        w.push(`--hashlimit-name ${c.name}`);
        if (c.size) w.push(`--hashlimit-htable-size ${c.size}`);
        if (c.max) w.push(`--hashlimit-htable-max ${c.max}`);
        if (c.gc !== GC_INTERVAL) w.push(`--hashlimit-htable-gcinterval ${c.gc}`);
        if (expire !== rate.unitMs) w.push(`--hashlimit-htable-expire ${expire}`);
        if (c.srcmask !== 32) w.push(`--hashlimit-srcmask ${c.srcmask}`);
        if (c.dstmask !== 32) w.push(`--hashlimit-dstmask ${c.dstmask}`);
        const { avg, above, modes } = c;
        const cap = avg * c.burst;
        const buckets = new Map<string, { credit: number; prev: number }>();
        const keyOf = (ctx: NfPacketContext): string => {
          const ip = ctx.packet.ip;
          const ports = l4Ports(ctx.packet);
          return [
            modes.has('srcip') ? formatIpv4(mask(ip.src, c.srcmask)) : '',
            modes.has('srcport') ? String(ports?.sport ?? 0) : '',
            modes.has('dstip') ? formatIpv4(mask(ip.dst, c.dstmask)) : '',
            modes.has('dstport') ? String(ports?.dport ?? 0) : '',
          ].join('|');
        };
        return {
          module: 'hashlimit',
          saveText: w.join(' '),
          pure: false,
          match(ctx: NfPacketContext) {
            const now = ctx.now();
            const key = keyOf(ctx);
            // The buckets live in the shared rule: a run on a checkpointed World puts them back afterwards.
            if (ctx.state.journal !== undefined && !ctx.state.journal.has(buckets)) {
              const saved = new Map([...buckets].map(([k, v]) => [k, { ...v }]));
              ctx.state.journal.save(buckets, () => {
                buckets.clear();
                for (const [k, v] of saved) buckets.set(k, v);
              });
            }
            let b = buckets.get(key);
            if (b && now - b.prev > expire) b = undefined;
            if (!b) b = { credit: cap, prev: now };
            b.credit = Math.min(cap, b.credit + (now - b.prev) * (SCALE / 1000));
            b.prev = now;
            buckets.set(key, b);
            if (b.credit >= avg) {
              b.credit -= avg;
              return !above;
            }
            return above;
          },
        };
      },
    };
  },
};
