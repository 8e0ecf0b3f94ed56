// Small Worlds written directly as WorldSpec, for tests that should not depend on the scenario loader.
import type { LinkSpec, NetnsSpec, RouteSpec, WorldSpec } from '../../src/kernel/index.js';
import { parseIpv4, parsePrefix } from '../../src/wire/ipv4-addr.js';

export function ip(text: string): number {
  const a = parseIpv4(text);
  if (a === undefined) throw new Error(`bad address ${text}`);
  return a;
}

export function ns(name: string, links: LinkSpec[], extra: Partial<NetnsSpec> = {}): NetnsSpec {
  return { name, sysctls: {}, links, routes: [], rules: [], neigh: [], fdb: [], listen: [], ...extra };
}

export function veth(name: string, peer: string, ...addrs: string[]): LinkSpec {
  const [pns, pdev] = peer.split('/');
  return { name, type: 'veth', peer: { netns: pns, dev: pdev }, addresses: addrs.map(addr) };
}

export function addr(text: string): { addr: number; len: number } {
  const p = parsePrefix(text);
  if (!p) throw new Error(`bad prefix ${text}`);
  return { addr: p.addr, len: p.len };
}

/** A tiny `ip route` reader for tests: "default via A [dev D]" or "P/L dev D" or "P/L via A". */
export function route(text: string, table = 254): RouteSpec {
  const w = text.split(/\s+/);
  const dst = w[0] === 'default' ? { addr: 0, len: 0 } : addr(w[0]);
  const at = (k: string): string | undefined => (w.indexOf(k) >= 0 ? w[w.indexOf(k) + 1] : undefined);
  const via = at('via');
  return { text, type: 'unicast', dst, table, via: via ? ip(via) : undefined, dev: at('dev'), metric: 0, onlink: false };
}

/**
 * left -- router (`iptables` its rules) -- right, where right listens on tcp/80 only: the World the branch
 * exploration tests put random rules into.
 */
export function firewallWorld(iptables: string): WorldSpec {
  return {
    name: 'statistic',
    namespaces: [
      ns('left', [veth('eth0', 'router/eth0', '10.0.1.2/24')], { routes: [route('default via 10.0.1.1 dev eth0')] }),
      ns('router', [veth('eth0', 'left/eth0', '10.0.1.1/24'), veth('eth1', 'right/eth0', '10.0.2.1/24')], {
        sysctls: { 'net.ipv4.ip_forward': 1 }, iptables,
      }),
      ns('right', [veth('eth0', 'router/eth1', '10.0.2.2/24')], {
        routes: [route('default via 10.0.2.1 dev eth0')], listen: [{ proto: 'tcp', port: 80, addr: 0 }],
      }),
    ],
  };
}

/** left -- router -- right, the DESIGN.md example without the extras. */
export function routerWorld(forward = 1): WorldSpec {
  return {
    name: 'router',
    namespaces: [
      ns('left', [veth('eth0', 'router/eth0', '10.0.1.2/24')], { routes: [route('default via 10.0.1.1 dev eth0')] }),
      ns('router', [veth('eth0', 'left/eth0', '10.0.1.1/24'), veth('eth1', 'right/eth0', '10.0.2.1/24')], {
        sysctls: { 'net.ipv4.ip_forward': forward },
      }),
      ns('right', [veth('eth0', 'router/eth1', '10.0.2.2/24')], {
        routes: [route('default via 10.0.2.1 dev eth0')],
        listen: [{ proto: 'tcp', port: 80, addr: 0 }, { proto: 'udp', port: 53, addr: 0 }],
      }),
    ],
  };
}
