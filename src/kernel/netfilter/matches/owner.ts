// Linux: owner_mt() in net/netfilter/xt_owner.c: the uid/gid of the file behind the sending socket
// (skb->sk->sk_socket->file), for locally generated packets in OUTPUT and POSTROUTING (the kernel refuses the
// match in other hooks). Options and save form from extensions/libxt_owner.c (owner_mt_save(): --socket-exists,
// --uid-owner, --gid-owner, --suppl-groups, each with its own `!`). Names are resolved by getpwnam() on the
// real machine; packetwalk knows only root (uid and gid 0).
//
// Every socket packetwalk sends from (the trace's probe, listeners answering, the kernel's ICMP and tunnel
// sockets) belongs to uid 0, gid 0 unless the trace says otherwise.

import type { MatchModule } from '../module.js';
import type { NfPacketContext } from '../context.js';

type Flag = 'socket-exists' | 'uid-owner' | 'gid-owner' | 'suppl-groups';

interface IdRange {
  lo: number;
  hi: number;
}

/** `ID`, `ID-ID` or a name (only root is known); ids up to 2^32-2 ((uid_t)-1 means "no id"). */
function parseIds(text: string): IdRange | undefined {
  const one = (t: string): number | undefined => {
    if (t === 'root') return 0;
    if (!/^[0-9]+$/.test(t)) return undefined;
    const n = Number(t);
    return n <= 0xfffffffe ? n : undefined;
  };
  const dash = text.indexOf('-');
  if (dash < 0) {
    const v = one(text);
    return v === undefined ? undefined : { lo: v, hi: v };
  }
  const lo = one(text.slice(0, dash));
  const hi = one(text.slice(dash + 1));
  return lo === undefined || hi === undefined ? undefined : { lo, hi };
}

export const ownerMatch: MatchModule = {
  name: 'owner',
  options: [
    { name: 'uid-owner', args: 1, invertible: true },
    { name: 'gid-owner', args: 1, invertible: true },
    { name: 'socket-exists', args: 0, invertible: true },
    { name: 'suppl-groups', args: 0 },
  ],
  hooks: ['OUTPUT', 'POSTROUTING'],
  create() {
    const s: { uid?: IdRange; gid?: IdRange; flags: Set<Flag>; invert: Set<Flag> } = { flags: new Set(), invert: new Set() };
    return {
      option(name, args, invert) {
        const flag = name as Flag;
        if (flag === 'uid-owner' || flag === 'gid-owner') {
          const r = parseIds(args[0]);
          if (!r) return `owner: Bad value for "--${flag}" option: "${args[0]}"`;
          if (flag === 'uid-owner') s.uid = r;
          else s.gid = r;
        }
        s.flags.add(flag);
        if (invert) s.invert.add(flag);
        return undefined;
      },
      finish() {
        const { uid, gid, flags, invert } = s;
        if (!flags.has('uid-owner') && !flags.has('gid-owner') && !flags.has('socket-exists')) {
          return 'owner: At least one of --uid-owner, --gid-owner or --socket-exists is required';
        }
        if (flags.has('suppl-groups') && !flags.has('gid-owner')) return 'owner: --suppl-groups requires --gid-owner';
        const bang = (f: Flag) => (invert.has(f) ? '! ' : '');
        const ids = (r: IdRange) => (r.lo === r.hi ? `${r.lo}` : `${r.lo}-${r.hi}`);
        const w: string[] = [];
        if (flags.has('socket-exists')) w.push(`${bang('socket-exists')}--socket-exists`);
        if (uid) w.push(`${bang('uid-owner')}--uid-owner ${ids(uid)}`);
        if (gid) w.push(`${bang('gid-owner')}--gid-owner ${ids(gid)}`);
        if (flags.has('suppl-groups')) w.push('--suppl-groups');
        const matchBits = [...flags].filter((f) => f !== 'suppl-groups');
        return {
          module: 'owner',
          saveText: w.join(' '),
          pure: true,
          match(ctx: NfPacketContext) {
            const sock = ctx.socket ?? null;
            // No socket: the match holds only when every asked-for property is inverted ((match ^ invert) == 0).
            if (!sock) return matchBits.every((f) => invert.has(f));
            if (flags.has('socket-exists') && invert.has('socket-exists')) return false;
            if (uid && (sock.uid >= uid.lo && sock.uid <= uid.hi) === invert.has('uid-owner')) return false;
            // --suppl-groups would also look at the supplementary groups: packetwalk's sockets have none.
            if (gid && (sock.gid >= gid.lo && sock.gid <= gid.hi) === invert.has('gid-owner')) return false;
            return true;
          },
        };
      },
    };
  },
};
