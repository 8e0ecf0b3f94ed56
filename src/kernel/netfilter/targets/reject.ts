// Linux: reject_tg() in net/ipv4/netfilter/ipt_REJECT.c sends the ICMP error or TCP RST and drops. Names and
// aliases from reject_table[] in extensions/libipt_REJECT.c; save always prints `--reject-with`.

import type { TargetModule } from '../module.js';
import type { RejectWith } from '../verdict.js';

const ALIASES: ReadonlyArray<readonly [RejectWith, string]> = [
  ['icmp-net-unreachable', 'net-unreach'],
  ['icmp-host-unreachable', 'host-unreach'],
  ['icmp-port-unreachable', 'port-unreach'],
  ['icmp-proto-unreachable', 'proto-unreach'],
  ['icmp-net-prohibited', 'net-prohib'],
  ['icmp-host-prohibited', 'host-prohib'],
  ['tcp-reset', 'tcp-rst'],
  ['icmp-admin-prohibited', 'admin-prohib'],
];

/** The kernel refuses tcp-reset unless the rule matches TCP only (reject_tg_check()). */
export const REJECT_TCP_RESET_NEEDS_TCP = 'tcp-reset';

export const rejectTarget: TargetModule = {
  name: 'REJECT',
  // reject_tg_reg: .table = "filter", checked by xt_check_target() when the rule is added, reachable or not.
  tables: ['filter'],
  hooks: ['INPUT', 'FORWARD', 'OUTPUT'],
  options: [{ name: 'reject-with', args: 1 }],
  create() {
    let kind: RejectWith = 'icmp-port-unreachable';
    return {
      option(_n, args) {
        const hit = ALIASES.find(([n, a]) => n === args[0] || a === args[0]);
        if (!hit) return `unknown reject type "${args[0]}"`;
        kind = hit[0];
        return undefined;
      },
      finish(env) {
        if (kind === 'tcp-reset' && (env.proto !== 6 || env.protoInvert)) return 'RULE_APPEND failed (Invalid argument)';
        const w = kind;
        return { name: 'REJECT', saveText: `--reject-with ${w}`, apply: () => ({ kind: 'reject', with: w }) };
      },
    };
  },
};
