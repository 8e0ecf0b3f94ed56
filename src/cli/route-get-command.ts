import type { Command } from 'commander';
import { buildWorld, routeGet } from '../kernel/index.js';
import type { RouteGetOptions } from '../kernel/index.js';
import { parseIpv4 } from '../wire/ipv4-addr.js';
import { IP_PROTOCOLS } from '../kernel/index.js';
import { loadOrFail } from './load.js';
import { UsageError } from './usage-error.js';

/** `ip route get` keywords after the destination: from ADDR, iif DEV, mark N. */
function parseSelectors(words: string[]): RouteGetOptions {
  const opts: RouteGetOptions = {};
  for (let i = 0; i < words.length; i += 2) {
    const key = words[i];
    const value = words[i + 1];
    if (value === undefined) throw new UsageError(`route-get: "${key}" needs a value`);
    switch (key) {
      case 'from': {
        const a = parseIpv4(value);
        if (a === undefined) throw new UsageError(`route-get: from: "${value}" is not an IPv4 address`);
        opts.from = a;
        break;
      }
      case 'iif':
        opts.iif = value;
        break;
      case 'mark': {
        const n = Number(value);
        if (!Number.isInteger(n) || n < 0 || n > 0xffffffff) throw new UsageError(`route-get: mark: "${value}" is not a 32-bit number`);
        opts.mark = n;
        break;
      }
      case 'ipproto': {
        const n = IP_PROTOCOLS[value] ?? (/^\d+$/.test(value) && Number(value) <= 255 ? Number(value) : undefined);
        if (n === undefined) throw new UsageError(`route-get: ipproto: "${value}" is not a protocol (tcp, udp, icmp and the like, or 0..255)`);
        opts.proto = n;
        break;
      }
      case 'sport':
      case 'dport': {
        const n = Number(value);
        if (!/^\d+$/.test(value) || n > 65535) throw new UsageError(`route-get: ${key}: "${value}" is not a port (0..65535)`);
        opts[key] = n;
        break;
      }
      case 'uid': {
        const n = Number(value);
        if (!/^\d+$/.test(value) || n > 0xffffffff) throw new UsageError(`route-get: uid: "${value}" is not a uid`);
        opts.uid = n;
        break;
      }
      default:
        throw new UsageError(`route-get: unknown selector "${key}" (expected from, iif, mark, ipproto, sport, dport or uid)`);
    }
  }
  return opts;
}

export function registerRouteGet(program: Command, out: (s: string) => void): void {
  program
    .command('route-get')
    .description('what `ip route get` prints in a namespace of the scenario')
    .argument('<scenario>', 'a scenario file')
    .argument('<netns>', 'the namespace to ask')
    .argument('<dst>', 'destination address')
    .argument('[selectors...]', 'from ADDR | iif DEV | mark N | ipproto P | sport N | dport N | uid N, as `ip route get` takes them')
    .addHelpText(
      'after',
      `
Without iif the lookup is for a packet this namespace sends (ip_route_output_key); with iif it is for a
packet arriving on that device (ip_route_input), so ip_forward and rp_filter apply. ipproto, sport, dport
and uid fill in the flow that ip rule selectors and the L4 multipath hash read (a multipath route prints the
nexthop this flow takes).

Examples:
  net route-get scenarios/router-between-subnets.yaml left 10.0.2.2
  net route-get scenarios/router-between-subnets.yaml router 10.0.2.2 from 10.0.1.2 iif eth0
  net route-get scenarios/ecmp-multipath.yaml client 10.9.0.10 ipproto tcp sport 40000 dport 80`,
    )
    .action((file: string, netns: string, dstText: string, selectors: string[]) => {
      const sc = loadOrFail(file);
      if (!sc.world.namespaces.some((n) => n.name === netns)) {
        throw new UsageError(`no namespace "${netns}" in ${file} (namespaces: ${sc.world.namespaces.map((n) => n.name).join(', ')})`);
      }
      const dst = parseIpv4(dstText);
      if (dst === undefined) throw new UsageError(`route-get: "${dstText}" is not an IPv4 address`);
      const res = routeGet(buildWorld(sc.world), netns, dst, parseSelectors(selectors));
      if (res.ok) out(res.text);
      else {
        out(res.error);
        process.exitCode = 2;
      }
    });
}
