// Linux: tcpmss_tg4() in net/netfilter/xt_TCPMSS.c rewrites the MSS option of a TCP SYN: `--set-mss N`, or
// `--clamp-mss-to-pmtu` (the route's MTU minus 40, only in FORWARD, OUTPUT and POSTROUTING), then continues.
// The rule must say `-p tcp` (the target registers for IPPROTO_TCP). Save form from
// extensions/libxt_TCPMSS.c; the last of the two options wins, as both write the same field.
//
// packetwalk's TCP headers carry no options, so the rewrite is recorded as an event of the hop (a fact the
// trace shows) rather than applied: the packet's fate does not depend on it in the model.

import type { TargetModule } from '../module.js';

export const tcpmssTarget: TargetModule = {
  name: 'TCPMSS',
  options: [{ name: 'set-mss', args: 1 }, { name: 'clamp-mss-to-pmtu', args: 0 }],
  create() {
    let mss: number | 'clamp' | null = null;
    return {
      option(name, args) {
        if (name === 'clamp-mss-to-pmtu') {
          mss = 'clamp';
          return undefined;
        }
        const a = args[0];
        if (!/^[0-9]+$/.test(a) || Number(a) > 65515) return 'TCPMSS: bad value for option "--set-mss", or out of range (0-65515).';
        mss = Number(a);
        return undefined;
      },
      finish(env) {
        const m = mss as number | 'clamp' | null;
        if (m === null) return 'TCPMSS target: At least one parameter is required';
        if (env.proto !== 6 || env.protoInvert) return 'RULE_APPEND failed (Invalid argument)';
        const what = m === 'clamp' ? 'MSS clamped to the path MTU - 40' : `MSS set to ${m}`;
        return {
          name: 'TCPMSS',
          saveText: m === 'clamp' ? '--clamp-mss-to-pmtu' : `--set-mss ${m}`,
          ...(m === 'clamp' ? { hooks: ['FORWARD', 'OUTPUT', 'POSTROUTING'] as const } : {}),
          apply(ctx) {
            const l4 = ctx.packet.l4;
            if (l4.proto !== 'tcp' || !l4.tcp.flags.syn) return { kind: 'continue' };
            return { kind: 'continue', event: { kind: 'tcpmss', prefix: `${what} (TCP options are not modelled: recorded, not rewritten)`, level: 4 } };
          },
        };
      },
    };
  },
};
