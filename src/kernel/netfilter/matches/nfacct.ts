// Linux: nfacct_mt() in net/netfilter/xt_nfacct.c: counts the packet in the named accounting object and matches.

import type { MatchModule } from '../module.js';
import type { NfPacketContext } from '../context.js';

export const nfacctMatch: MatchModule = {
  name: 'nfacct',
  options: [{ name: 'nfacct-name', args: 1 }],
  create() {
    let name: string | null = null;
    return {
      option(_n, args) {
        if (args[0].length > 31) return 'nfacct: name too long (max 31)';
        name = args[0];
        return undefined;
      },
      finish() {
        if (name === null) return 'nfacct: option "--nfacct-name" must be specified';
        const n = name;
        return {
          module: 'nfacct',
          saveText: `--nfacct-name ${n}`,
          pure: false,
          match(ctx: NfPacketContext) {
            let c = ctx.state.nfacct.get(n);
            if (!c) ctx.state.nfacct.set(n, (c = { packets: 0, bytes: 0 }));
            c.packets++;
            c.bytes += ctx.packet.ip.totalLength;
            return true;
          },
        };
      },
    };
  },
};
