// The `conntrack -I` command that puts a stated entry into a real namespace's table (conntrack-tools 1.4.7).
// Measured there: given the reply tuple as well, the kernel takes it as the current one and NAT-binds
// nothing (no IPS_DST_NAT / IPS_SRC_NAT, so packets pass untranslated); given only the original tuple with
// `--dst-nat ADDR:PORT` / `--src-nat ADDR:PORT`, ctnetlink_setup_nat() computes the reply tuple and sets the
// NAT bits, exactly as the first packet through a DNAT/SNAT rule would. So NAT is stated that way.

import type { ConntrackSpec } from '../kernel/conntrack/index.js';
import { natOf } from '../kernel/conntrack/index.js';
import { IPPROTO_ICMP, IPPROTO_TCP } from '../wire/headers.js';
import { formatIpv4 } from '../wire/ipv4-addr.js';

/** The arguments of `conntrack -I` for `spec` (without the command itself). */
export function conntrackInsertArgs(spec: ConntrackSpec): string[] {
  const o = spec.orig;
  const r = spec.reply;
  const args = ['-I', '-p', spec.proto === IPPROTO_TCP ? 'tcp' : spec.proto === IPPROTO_ICMP ? 'icmp' : 'udp'];
  args.push('-s', formatIpv4(o.src), '-d', formatIpv4(o.dst));
  if (spec.proto === IPPROTO_ICMP) {
    args.push('--icmp-type', String(o.dport >>> 8), '--icmp-code', String(o.dport & 0xff), '--icmp-id', String(o.sport));
  } else {
    args.push('--sport', String(o.sport), '--dport', String(o.dport));
  }
  const nat = natOf(o, r);
  const withPort = (addr: number, port: number) => (spec.proto === IPPROTO_ICMP ? formatIpv4(addr) : `${formatIpv4(addr)}:${port}`);
  // The reply's source is where the original now goes; its destination is what the original now comes from.
  if (nat.dnat) args.push('--dst-nat', withPort(r.src, r.sport));
  if (nat.snat) args.push('--src-nat', withPort(r.dst, r.dport));
  args.push('-t', String(spec.timeout));
  // conntrack -I refuses a TCP entry without --state.
  if (spec.tcpState !== undefined) args.push('--state', spec.tcpState);
  const status = [...(spec.unreplied ? [] : ['SEEN_REPLY']), ...(spec.assured ? ['ASSURED'] : [])];
  if (status.length > 0) args.push('-u', status.join(','));
  if (spec.mark !== 0) args.push('-m', String(spec.mark));
  if (spec.zone !== 0) args.push('-w', String(spec.zone));
  return args;
}
