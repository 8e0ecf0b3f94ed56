import type { Command } from 'commander';
import { buildWorld, routeGet } from '../kernel/index.js';
import type { RouteGetOptions } from '../kernel/index.js';
import { parseIpv4 } from '../wire/ipv4-addr.js';
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
      default:
        throw new UsageError(`route-get: unknown selector "${key}" (expected from, iif or mark)`);
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
    .argument('[selectors...]', 'from ADDR | iif DEV | mark N, as `ip route get` takes them')
    .addHelpText(
      'after',
      `
Without iif the lookup is for a packet this namespace sends (ip_route_output_key); with iif it is for a
packet arriving on that device (ip_route_input), so ip_forward and rp_filter apply.

Examples:
  net route-get scenarios/router-between-subnets.yaml left 10.0.2.2
  net route-get scenarios/router-between-subnets.yaml router 10.0.2.2 from 10.0.1.2 iif eth0`,
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
