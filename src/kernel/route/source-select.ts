import type { Ipv4Addr } from '../../wire/headers.js';
import { RT_SCOPE_LINK } from '../link/device.js';
import type { Netns } from '../netns/netns.js';
import type { FibRoute } from './fib.js';
import { maskOf } from './fib.js';

/**
 * Linux: inet_select_addr(). A primary address of `dev` no narrower than `scope`, preferring one whose subnet
 * holds `dst`; failing that, any primary address of another device that is not link-scoped.
 */
export function inetSelectAddr(ns: Netns, devName: string, dst: Ipv4Addr, scope: number): Ipv4Addr {
  const dev = ns.device(devName);
  let chosen = 0;
  if (dev) {
    for (const a of dev.primaryAddrs()) {
      if (a.scope > scope) continue;
      const m = maskOf(a.len);
      if (dst === 0 || ((a.addr & m) >>> 0) === ((dst & m) >>> 0)) return a.addr;
      if (chosen === 0) chosen = a.addr;
    }
  }
  if (chosen !== 0) return chosen;
  for (const d of ns.devices.values()) {
    if (d === dev) continue;
    for (const a of d.primaryAddrs()) {
      if (a.scope !== RT_SCOPE_LINK && a.scope <= scope) return a.addr;
    }
  }
  return 0;
}

/**
 * Linux: fib_result_prefsrc(): the route's `src` if set, else the address fib_info_update_nhc_saddr() picked:
 * inet_select_addr(nexthop device, gateway, route scope). The gateway, not the destination, steers the choice.
 */
export function fibResultPrefsrc(ns: Netns, route: FibRoute): Ipv4Addr {
  if (route.prefsrc !== null) return route.prefsrc;
  if (route.dev === null) return 0;
  return inetSelectAddr(ns, route.dev, route.gw ?? 0, route.scope);
}
