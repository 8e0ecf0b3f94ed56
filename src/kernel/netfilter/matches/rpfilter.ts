// Linux: rpfilter_mt() in net/ipv4/netfilter/ipt_rpfilter.c: a reverse-path check by FIB lookup, for
// PREROUTING only (raw and mangle). The flow is the packet turned around (daddr = its source, iif loopback,
// the mark only with --validmark); the answer must be a unicast route (or local, with --accept-local) whose
// nexthop uses the device the packet came in by, or any device with --loose. Packets from lo always pass;
// --invert inverts the result. Save form from extensions/libxt_rpfilter.c (rpfilter_print(): --loose,
// --validmark, --accept-local, --invert).

import type { MatchModule } from '../module.js';
import type { NfPacketContext } from '../context.js';

const FLAGS = ['loose', 'validmark', 'accept-local', 'invert'] as const;
type Flag = (typeof FLAGS)[number];

/** IPTOS_RT_MASK: the TOS bits a route lookup uses. */
const IPTOS_RT_MASK = 0x1c;

function rpfilter(ctx: NfPacketContext, flags: ReadonlySet<Flag>): boolean {
  const ip = ctx.packet.ip;
  // rpfilter_is_loopback(): looped back, or in by lo.
  if (ctx.in === 'lo') return true;
  // A zero source with a broadcast or local-multicast destination (DHCP) passes.
  if (ip.src === 0 && (ip.dst === 0xffffffff || (ip.dst & 0xffffff00) >>> 0 === 0xe0000000)) return true;
  if (!ctx.fibLookup) return true;
  const res = ctx.fibLookup({ dst: ip.src, src: ip.dst, mark: flags.has('validmark') ? ctx.mark : 0, tos: ip.tos & IPTOS_RT_MASK });
  if (!res) return false;
  if (res.type !== 'unicast' && !(res.type === 'local' && flags.has('accept-local'))) return false;
  return flags.has('loose') || (ctx.in !== null && res.devs.includes(ctx.in));
}

export const rpfilterMatch: MatchModule = {
  name: 'rpfilter',
  options: FLAGS.map((name) => ({ name, args: 0 as const })),
  hooks: ['PREROUTING'],
  create() {
    const flags = new Set<Flag>();
    return {
      option(name) {
        flags.add(name as Flag);
        return undefined;
      },
      finish(env) {
        // rpfilter_check(): "only valid in 'raw' or 'mangle' table".
        if (env.table !== 'raw' && env.table !== 'mangle') return 'RULE_APPEND failed (Invalid argument)';
        const invert = flags.has('invert');
        return {
          module: 'rpfilter',
          saveText: FLAGS.filter((f) => flags.has(f)).map((f) => `--${f}`).join(' '),
          pure: true,
          match: (ctx: NfPacketContext) => rpfilter(ctx, flags) !== invert,
        };
      },
    };
  },
};
