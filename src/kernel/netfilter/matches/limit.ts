// Linux: limit_mt() in net/netfilter/xt_limit.c, a token bucket per rule; options and save form from
// extensions/libxt_limit.c. The rate is stored as the average interval between packets in 1/10000 s
// (XT_LIMIT_SCALE), and the bucket is filled by the time elapsed on the virtual clock (the kernel counts
// jiffies; here time is counted in ms, so a bucket refills as the kernel's does at HZ=1000).

import type { MatchModule } from '../module.js';
import type { NfPacketContext } from '../context.js';

/** XT_LIMIT_SCALE: `avg` is in 1/10000 s. */
export const LIMIT_SCALE = 10000;
const DEFAULT_AVG = (LIMIT_SCALE * 3600) / 3; // 3/hour
const DEFAULT_BURST = 5;

/** The units parse_rate() takes, longest first in print order (rates[] in libxt_limit.c). */
const UNITS: ReadonlyArray<readonly [name: string, full: string, seconds: number]> = [
  ['day', 'day', 86400], ['hour', 'hour', 3600], ['min', 'minute', 60], ['sec', 'second', 1],
];

/**
 * parse_rate(): `N[/unit]`, the unit any prefix of second, minute, hour or day (default second); the interval
 * in 1/`scale` s, 0 when the text is no rate, -1 when the rate is faster than the scale can hold.
 */
export function parseRate(text: string, scale: number): number {
  const slash = text.indexOf('/');
  let seconds = 1;
  if (slash >= 0) {
    const unit = text.slice(slash + 1).toLowerCase();
    if (unit === '') return 0;
    const u = [...UNITS].reverse().find(([, full]) => full.startsWith(unit));
    if (!u) return 0;
    seconds = u[2];
  }
  const num = slash < 0 ? text : text.slice(0, slash);
  // atoi(): leading digits; 0 or none is a bad rate.
  const m = /^\s*\+?([0-9]+)/.exec(num);
  const r = m ? Number(m[1]) : 0;
  if (!r) return 0;
  const v = Math.floor((scale * seconds) / r);
  return v === 0 ? -1 : v;
}

/** The unit of a rate as written (`N/min` is 60000 ms; no unit is a second), in ms. */
export function rateUnitMs(text: string): number {
  const slash = text.indexOf('/');
  if (slash < 0) return 1000;
  const unit = text.slice(slash + 1).toLowerCase();
  const u = [...UNITS].reverse().find(([, full]) => unit !== '' && full.startsWith(unit));
  return (u ? u[2] : 1) * 1000;
}

/** print_rate(): the largest unit in which the rate prints as a whole number of packets. */
export function formatRate(avg: number, scale: number): { text: string; unitMs: number } {
  const mults = UNITS.map(([name, , seconds]) => [name, scale * seconds] as const);
  let i = 1;
  for (; i < mults.length; i++) {
    const mult = mults[i][1];
    if (avg > mult || Math.floor(mult / avg) < mult % avg) break;
  }
  const [name, mult] = mults[i - 1];
  return { text: `${Math.floor(mult / avg)}/${name}`, unitMs: (mult / scale) * 1000 };
}

export const limitMatch: MatchModule = {
  name: 'limit',
  options: [{ name: 'limit', args: 1 }, { name: 'limit-burst', args: 1 }],
  create() {
    const s = { avg: DEFAULT_AVG, burst: DEFAULT_BURST };
    return {
      option(name, args) {
        const a = args[0];
        if (name === 'limit') {
          const v = parseRate(a, LIMIT_SCALE);
          if (v === 0) return `bad rate "${a}"'`;
          if (v < 0) return `Rate too fast "${a}"`;
          s.avg = v;
          return undefined;
        }
        const n = /^[0-9]+$/.test(a) ? Number(a) : NaN;
        if (!(n >= 0 && n <= 10000)) return 'limit: bad value for option "--limit-burst", or out of range (0-10000).';
        s.burst = n;
        return undefined;
      },
      finish() {
        const { avg, burst } = s;
        // limit_save(): the rate always, the burst when it is not the default (iptables-nft prints no burst of 0).
        const saveText = `--limit ${formatRate(avg, LIMIT_SCALE).text}${burst !== DEFAULT_BURST && burst !== 0 ? ` --limit-burst ${burst}` : ''}`;
        // limit_mt_check(): the bucket starts full; a packet costs `avg` and time refills it, capped at avg*burst.
        const cap = avg * Math.max(burst, 1);
        const bucket = { credit: cap, prev: null as number | null };
        return {
          module: 'limit',
          saveText,
          pure: false,
          match(ctx: NfPacketContext) {
            const now = ctx.now();
            // The bucket lives in the shared rule: a run on a checkpointed World puts it back afterwards.
            const { credit, prev } = bucket;
            ctx.state.journal?.save(bucket, () => Object.assign(bucket, { credit, prev }));
            if (bucket.prev !== null) bucket.credit = Math.min(cap, bucket.credit + (now - bucket.prev) * (LIMIT_SCALE / 1000));
            bucket.prev = now;
            if (bucket.credit >= avg) {
              bucket.credit -= avg;
              return true;
            }
            return false;
          },
        };
      },
    };
  },
};
