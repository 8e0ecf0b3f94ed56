// Which ARP requests for a local address get an answer: the arp_ignore sysctl (net/ipv4/arp.c arp_ignore()).

import type { Ipv4Addr } from '../../wire/headers.js';
import { formatIpv4 as fmt } from '../../wire/ipv4-addr.js';
import { maskOf } from '../route/fib.js';
import type { NetDevice } from '../link/device.js';
import { RT_SCOPE_HOST, RT_SCOPE_LINK } from '../link/device.js';
import type { Netns } from '../netns/netns.js';
import { ifaList } from '../show/ip-addr.js';

/** IN_DEV_ARP_IGNORE(): the larger of conf.all and the device's own value. */
export function arpIgnoreLevel(ns: Netns, dev: string): number {
  return Math.max(ns.sysctls.conf('all', 'arp_ignore'), ns.sysctls.conf(dev, 'arp_ignore'));
}

/**
 * Linux: arp_ignore(): true when a request from `sip` for the local address `tip`, received on `dev`, is not
 * answered. 0 answers for any local address; 1 only if `tip` is configured on `dev`; 2 also needs `sip` in a
 * subnet of `dev` holding `tip`; 3 does not answer for host-scope addresses; 8 never answers; 4..7 answer.
 */
export function arpIgnore(dev: NetDevice, sip: Ipv4Addr, tip: Ipv4Addr): { ignore: boolean; why: string } {
  const ns = dev.netns;
  const level = arpIgnoreLevel(ns, dev.name);
  switch (level) {
    case 1:
      return verdict(confirmAddrIndev(dev, 0, tip, RT_SCOPE_HOST) !== 0, `arp_ignore=1: ${fmt(tip)} is not an address of ${dev.name}`);
    case 2:
      return verdict(confirmAddrIndev(dev, sip, tip, RT_SCOPE_HOST) !== 0, `arp_ignore=2: ${fmt(tip)} is not an address of ${dev.name} in a subnet holding ${fmt(sip)}`);
    case 3: {
      const any = [...ns.devices.values()].some((d) => confirmAddrIndev(d, 0, tip, RT_SCOPE_LINK) !== 0);
      return verdict(any, `arp_ignore=3: ${fmt(tip)} has host scope`);
    }
    case 8:
      return { ignore: true, why: 'arp_ignore=8: this device answers no ARP request' };
    default:
      return { ignore: false, why: '' };
  }
}

function verdict(confirmed: boolean, why: string): { ignore: boolean; why: string } {
  return confirmed ? { ignore: false, why: '' } : { ignore: true, why };
}

/** inet_ifa_match(): `addr` lies in the subnet of the address `ifa` with length `len`. */
function ifaMatch(addr: Ipv4Addr, ifa: { addr: Ipv4Addr; len: number }): boolean {
  const m = maskOf(ifa.len);
  return ((addr & m) >>> 0) === ((ifa.addr & m) >>> 0);
}

/**
 * Linux: confirm_addr_indev() (net/ipv4/devinet.c): an address of `dev` equal to `local` (any when 0) whose
 * scope is within `scope`, provided one of the device's subnets holds both `local` and `dst` (each when not 0).
 * route_localnet lets host-scope addresses count as link scope.
 */
export function confirmAddrIndev(dev: NetDevice, dst: Ipv4Addr, local: Ipv4Addr, scope: number): Ipv4Addr {
  const ns = dev.netns;
  const localnet = ns.sysctls.orConf(dev.name, 'route_localnet') ? RT_SCOPE_LINK : RT_SCOPE_HOST;
  let addr = 0;
  let same = false;
  for (const ifa of ifaList(dev)) {
    const minScope = Math.min(ifa.scope, localnet);
    if (addr === 0 && (local === ifa.addr || local === 0) && minScope <= scope) {
      addr = ifa.addr;
      if (same) break;
    }
    if (!same) {
      same = (local === 0 || ifaMatch(local, ifa)) && (dst === 0 || ifaMatch(dst, ifa));
      if (same && addr !== 0) {
        if (local !== 0 || dst === 0) break;
        if (ifaMatch(addr, ifa)) break;
        if (minScope <= scope) {
          addr = ifa.addr;
          break;
        }
        same = false;
      }
    }
  }
  return same ? addr : 0;
}
