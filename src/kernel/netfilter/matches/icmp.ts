// Linux: icmp_match() in net/ipv4/netfilter/ip_tables.c; names from icmp_codes[] in extensions/libipt_icmp.c,
// save form from icmp_save(): `any`, `TYPE`, or `TYPE/CODE`.

import type { MatchModule } from '../module.js';
import type { NfPacketContext } from '../context.js';

const ANY = 0xff;

/** name -> [type, code min, code max] */
const ICMP_NAMES: Readonly<Record<string, readonly [number, number, number]>> = {
  any: [ANY, 0, 255],
  'echo-reply': [0, 0, 255], pong: [0, 0, 255],
  'destination-unreachable': [3, 0, 255],
  'network-unreachable': [3, 0, 0], 'host-unreachable': [3, 1, 1], 'protocol-unreachable': [3, 2, 2],
  'port-unreachable': [3, 3, 3], 'fragmentation-needed': [3, 4, 4], 'source-route-failed': [3, 5, 5],
  'network-unknown': [3, 6, 6], 'host-unknown': [3, 7, 7], 'network-prohibited': [3, 9, 9],
  'host-prohibited': [3, 10, 10], 'TOS-network-unreachable': [3, 11, 11], 'TOS-host-unreachable': [3, 12, 12],
  'communication-prohibited': [3, 13, 13], 'host-precedence-violation': [3, 14, 14], 'precedence-cutoff': [3, 15, 15],
  'source-quench': [4, 0, 255],
  redirect: [5, 0, 255], 'network-redirect': [5, 0, 0], 'host-redirect': [5, 1, 1],
  'TOS-network-redirect': [5, 2, 2], 'TOS-host-redirect': [5, 3, 3],
  'echo-request': [8, 0, 255], ping: [8, 0, 255],
  'router-advertisement': [9, 0, 255], 'router-solicitation': [10, 0, 255],
  'time-exceeded': [11, 0, 255], 'ttl-exceeded': [11, 0, 255],
  'ttl-zero-during-transit': [11, 0, 0], 'ttl-zero-during-reassembly': [11, 1, 1],
  'parameter-problem': [12, 0, 255], 'ip-header-bad': [12, 0, 0], 'required-option-missing': [12, 1, 1],
  'timestamp-request': [13, 0, 255], 'timestamp-reply': [14, 0, 255],
  'address-mask-request': [17, 0, 255], 'address-mask-reply': [18, 0, 255],
};

function parseIcmpType(text: string): readonly [number, number, number] | string {
  const byName = Object.keys(ICMP_NAMES).find((n) => n.toLowerCase() === text.toLowerCase());
  if (byName) return ICMP_NAMES[byName];
  const m = /^([0-9]{1,3})(?:\/([0-9]{1,3}))?$/.exec(text);
  if (!m) return `Invalid ICMP type \`${text}'`;
  const type = parseInt(m[1], 10);
  if (type > 255) return `Invalid ICMP type \`${text}'`;
  if (m[2] === undefined) return [type, 0, 255];
  const code = parseInt(m[2], 10);
  if (code > 255) return `Invalid ICMP code \`${m[2]}'`;
  return [type, code, code];
}

export const icmpMatch: MatchModule = {
  name: 'icmp',
  options: [{ name: 'icmp-type', args: 1, invertible: true }],
  create() {
    let spec: { t: readonly [number, number, number]; invert: boolean } = { t: [ANY, 0, 255], invert: false };
    let given = false;
    return {
      option(_n, args, invert) {
        const t = parseIcmpType(args[0]);
        if (typeof t === 'string') return t;
        spec = { t, invert };
        given = true;
        return undefined;
      },
      finish(env) {
        if (!given) return 'icmp: option "--icmp-type" must be specified';
        if (env.proto !== 1 || env.protoInvert) return "icmp match requires '-p icmp'";
        const [type, lo, hi] = spec.t;
        const invert = spec.invert;
        let text = '';
        if (given) {
          text = `${invert ? '! ' : ''}--icmp-type ${type === ANY ? 'any' : `${type}${lo !== 0 || hi !== 255 ? `/${lo}` : ''}`}`;
        }
        return {
          module: 'icmp',
          saveText: text,
          pure: true,
          match(ctx: NfPacketContext) {
            const p = ctx.packet;
            if (p.ip.fragOffset !== 0 || p.l4.proto !== 'icmp') return false;
            const i = p.l4.icmp;
            const hit = type === ANY || (i.type === type && i.code >= lo && i.code <= hi);
            return hit !== invert;
          },
        };
      },
    };
  },
};
