// `ip addr show` (iproute2 6.1 ip/ipaddress.c, print_linkinfo() + print_addrinfo()) for one namespace.
// IPv4 only: IPv6 is not modelled, so no `inet6` lines; the output is what a namespace with
// net.ipv6.conf.{all,default}.disable_ipv6=1 prints.

import type { IfAddr, NetDevice } from '../link/device.js';
import { scopeName } from '../link/device.js';
import type { Netns } from '../netns/netns.js';
import { formatIpv4 } from '../../wire/ipv4-addr.js';
import { devicesByIfindex, linkLines } from './ip-link.js';

/**
 * The device's in_ifaddr list in the kernel's order (inet_insert_ifa()): a primary goes after the last primary
 * whose scope is at least its own, so host-scope primaries come before link and global ones; a secondary goes
 * to the end. The model keeps addresses in the order they were added.
 */
export function ifaList(dev: NetDevice): IfAddr[] {
  const list: IfAddr[] = [];
  for (const ifa of dev.addrs) {
    if (ifa.secondary) {
      list.push(ifa);
      continue;
    }
    let at = 0;
    list.forEach((other, i) => {
      if (!other.secondary && ifa.scope <= other.scope) at = i + 1;
    });
    list.splice(at, 0, ifa);
  }
  return list;
}

/**
 * One address as print_addrinfo() writes it. No `brd`: the model has no IFA_BROADCAST, and `ip addr add`
 * without `brd` sets none (the kernel still adds the broadcast route). Lifetimes are always forever: the
 * model has no dynamic addresses.
 */
function addrLines(dev: NetDevice, ifa: IfAddr): string[] {
  const secondary = ifa.secondary ? 'secondary ' : '';
  return [
    `    inet ${formatIpv4(ifa.addr)}/${ifa.len} scope ${scopeName(ifa.scope)} ${secondary}${dev.name}`,
    '       valid_lft forever preferred_lft forever',
  ];
}

/** `ip addr show`: each device's link lines, then its IPv4 addresses. */
export function showAddr(ns: Netns): string {
  return devicesByIfindex(ns)
    .flatMap((dev) => [...linkLines(dev, false), ...ifaList(dev).flatMap((ifa) => addrLines(dev, ifa))])
    .map((line) => `${line}\n`)
    .join('');
}
