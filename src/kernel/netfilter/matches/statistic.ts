// Linux: statistic_mt() in net/netfilter/xt_statistic.c; options and save form from extensions/libxt_statistic.c.
//
// Random mode keeps the kernel's quantisation: the probability is stored as lround(p * 2^31) and the kernel
// compares (get_random_u32() & 0x7fffffff) < that value, so the effective probability is stored / 2^31; that
// is what iptables-save prints (%.11f) and what `branchProbability` reports. Nth mode keeps its counter in the
// rule, as the kernel keeps it in the rule's xt_statistic_priv.

import type { MatchModule } from '../module.js';
import type { NfPacketContext } from '../context.js';
import { parseUint } from '../numbers.js';

const TWO31 = 0x80000000;

export const statisticMatch: MatchModule = {
  name: 'statistic',
  options: [
    { name: 'mode', args: 1 },
    { name: 'probability', args: 1, invertible: true },
    { name: 'every', args: 1, invertible: true },
    { name: 'packet', args: 1 },
  ],
  create() {
    const s: { mode?: 'random' | 'nth'; prob?: number; every?: number; packet?: number; invert: boolean } = { invert: false };
    return {
      option(name, args, invert) {
        const a = args[0];
        if (name === 'mode') {
          if (a !== 'random' && a !== 'nth') return `statistic: Bad mode "${a}"`;
          s.mode = a;
        } else if (name === 'probability') {
          const p = /^[0-9]*\.?[0-9]+([eE][-+]?[0-9]+)?$|^[0-9]+\.$/.test(a) ? Number(a) : NaN;
          if (!(p >= 0 && p <= 1)) return 'statistic: bad value for option "--probability", or out of range (0-1).';
          s.prob = Math.round(p * TWO31);
          s.invert = s.invert || invert;
        } else if (name === 'every') {
          const n = parseUint(a);
          if (n === undefined || n === 0) return 'statistic: bad value for option "--every", or out of range (1-4294967295).';
          s.every = n;
          s.invert = s.invert || invert;
        } else {
          const n = parseUint(a);
          if (n === undefined) return 'statistic: bad value for option "--packet", or out of range (0-4294967295).';
          s.packet = n;
        }
        return undefined;
      },
      finish() {
        if (s.mode === undefined) return 'statistic: option "--mode" must be specified';
        if (s.every !== undefined && s.packet === undefined) return 'statistic: option "--every" also requires "--packet".';
        if (s.mode === 'random') {
          if (s.prob === undefined) return '--probability must be specified when using random mode';
          if (s.every !== undefined || s.packet !== undefined) return '--every and --packet can\'t be specified in random mode';
          const stored = s.prob;
          const invert = s.invert;
          const p = stored / TWO31;
          return {
            module: 'statistic',
            saveText: `--mode random${invert ? ' !' : ''} --probability ${p.toFixed(11)}`,
            pure: false,
            branchProbability: invert ? 1 - p : p,
            match: (ctx: NfPacketContext) => (Math.floor(ctx.random() * TWO31) < stored) !== invert,
          };
        }
        if (s.every === undefined) return '--every must be specified when using nth mode';
        if (s.prob !== undefined) return '--probability can\'t be specified in nth mode';
        const every = s.every;
        const packet = s.packet ?? 0;
        if (packet >= every) return '--packet can only be in the range 0 to --every - 1';
        const invert = s.invert;
        // statistic_check(): count starts at (every - 1) - packet; a packet matches when the counter wraps to 0.
        const counter = { count: every - 1 - packet };
        return {
          module: 'statistic',
          // statistic_save() prints --packet whenever it prints for save, so `--packet 0` too.
          saveText: `--mode nth${invert ? ' !' : ''} --every ${every} --packet ${packet}`,
          pure: false,
          match(ctx: NfPacketContext) {
            const saved = counter.count;
            ctx.state.journal?.save(counter, () => {
              counter.count = saved;
            });
            counter.count = counter.count === every - 1 ? 0 : counter.count + 1;
            return (counter.count === 0) !== invert;
          },
        };
      },
    };
  },
};
