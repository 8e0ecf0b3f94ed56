// Linux: set_match_v4() in net/netfilter/xt_set.c, against the ipsets of the scenario (`ctx.state.ipsets`).
// Members are strings: `hash:ip` "a.b.c.d", `hash:net` "a.b.c.d/len", `hash:ip,port` "a.b.c.d,proto:port".

import type { MatchModule } from '../module.js';
import type { NfPacketContext } from '../context.js';
import { formatIpv4, inPrefix, parsePrefix } from '../../../wire/ipv4-addr.js';
import { l4Ports } from './l4-ports.js';

type Dir = 'src' | 'dst';

/** A `hash:net` member written `a.b.c.d/len nomatch` (ipset add ... nomatch). */
const NOMATCH = ' nomatch';

function protoName(n: number): string {
  return n === 6 ? 'tcp' : n === 17 ? 'udp' : n === 1 ? 'icmp' : `${n}`;
}

function inSet(ctx: NfPacketContext, name: string, dirs: readonly Dir[]): boolean {
  const set = ctx.state.ipsets.get(name);
  if (!set) return false;
  const ip = ctx.packet.ip;
  const addr = dirs[0] === 'src' ? ip.src : ip.dst;
  const ports = l4Ports(ctx.packet);
  const portOf = (d: Dir | undefined) => (ports ? (d === 'src' ? ports.sport : ports.dport) : 0);
  const type = set.type;
  if (type === 'hash:ip' || type === 'bitmap:ip' || type === 'list:set') return set.members.has(formatIpv4(addr));
  if (type === 'hash:ip,port') return set.members.has(`${formatIpv4(addr)},${protoName(ip.protocol)}:${portOf(dirs[1])}`);
  if (type === 'hash:net' || type === 'hash:net,port') {
    // hash_net4_test(): prefixes are tried from the most specific; the first hit decides, and an element
    // added with `nomatch` makes the lookup fail (ipset's "exceptions").
    const suffix = type === 'hash:net,port' ? `,${protoName(ip.protocol)}:${portOf(dirs[1])}` : '';
    let best = -1;
    let bestNomatch = false;
    for (const raw of set.members) {
      const nomatch = raw.endsWith(NOMATCH);
      const m = nomatch ? raw.slice(0, raw.length - NOMATCH.length) : raw;
      if (!m.endsWith(suffix)) continue;
      const p = parsePrefix(suffix ? m.slice(0, m.length - suffix.length) : m);
      if (p && p.len > best && inPrefix(addr, p)) {
        best = p.len;
        bestNomatch = nomatch;
      }
    }
    return best >= 0 && !bestNomatch;
  }
  return false;
}

export const setMatch: MatchModule = {
  name: 'set',
  options: [{ name: 'match-set', args: 2, invertible: true }],
  create() {
    let spec: { name: string; dirs: Dir[]; invert: boolean } | null = null;
    return {
      option(_n, args, invert, env) {
        // get_set_byname(): the set must exist when the rule is parsed.
        if (env.sets && !env.sets.has(args[0])) return { message: `Set ${args[0]} doesn't exist.`, arg: 0 };
        const dirs = args[1].split(',');
        if (dirs.length > 6 || dirs.some((d) => d !== 'src' && d !== 'dst')) return `You must specify (the comma separated list of) 'src' or 'dst'.`;
        spec = { name: args[0], dirs: dirs as Dir[], invert };
        return undefined;
      },
      finish() {
        const s = spec as { name: string; dirs: Dir[]; invert: boolean } | null;
        if (!s) return 'You must specify `--match-set\' with proper arguments';
        return {
          module: 'set',
          saveText: `${s.invert ? '! ' : ''}--match-set ${s.name} ${s.dirs.join(',')}`,
          pure: true,
          match: (ctx: NfPacketContext) => inSet(ctx, s.name, s.dirs) !== s.invert,
        };
      },
    };
  },
};
