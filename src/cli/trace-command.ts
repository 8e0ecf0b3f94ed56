import type { Command } from 'commander';
import { parseIpv4 } from '../wire/ipv4-addr.js';
import type { Scenario, TraceSpec } from '../scenario/model.js';
import { writeFileSync } from 'node:fs';
import { renderPcap, renderTraceJson, renderTraceText, runTraceRecorded } from '../trace/index.js';
import type { Detail } from '../trace/index.js';
import { loadOrFail } from './load.js';
import { UsageError } from './usage-error.js';
import { argChoice, argInt, argIpv4 } from './parse-args.js';

interface TraceOpts {
  from?: string;
  to?: string;
  proto: 'tcp' | 'udp' | 'icmp';
  dport?: number;
  sport?: number;
  src?: number;
  ttl?: number;
  size?: number;
  mark?: number;
  df: boolean;
  name?: string;
  seed: number;
  detail: Detail;
  output: 'text' | 'json';
  reply: boolean;
  pcap?: string;
}

/** `--to`: an IP, IP:PORT, or a namespace name (its first global address). */
function destination(sc: Scenario, to: string): { dst: number; port?: number } {
  const m = /^(\d+\.\d+\.\d+\.\d+)(?::(\d+))?$/.exec(to);
  if (m) {
    const dst = parseIpv4(m[1]);
    const port = m[2] === undefined ? undefined : Number(m[2]);
    if (dst === undefined || (port !== undefined && (port < 1 || port > 65535))) throw new UsageError(`--to: bad address "${to}"`);
    return { dst, port };
  }
  const [nsName, portText] = to.split(':');
  const ns = sc.world.namespaces.find((n) => n.name === nsName);
  if (!ns) throw new UsageError(`--to: "${to}" is neither an address (A.B.C.D[:PORT]) nor a namespace of ${sc.file}`);
  const addr = ns.links.flatMap((l) => l.addresses).find((a) => a.addr >>> 24 !== 127);
  if (!addr) throw new UsageError(`--to: namespace ${nsName} has no address`);
  return { dst: addr.addr, port: portText === undefined ? undefined : Number(portText) };
}

function adHocTrace(sc: Scenario, o: TraceOpts): TraceSpec {
  if (!o.from || !o.to) throw new UsageError('give both --from and --to, or neither (to trace the scenario\'s own traces)');
  if (!sc.world.namespaces.some((n) => n.name === o.from)) {
    throw new UsageError(`--from: no namespace "${o.from}" in ${sc.file} (namespaces: ${sc.world.namespaces.map((n) => n.name).join(', ')})`);
  }
  const d = destination(sc, o.to);
  const dport = o.dport ?? d.port;
  if (o.proto !== 'icmp' && dport === undefined) throw new UsageError(`${o.proto} needs a port: --to ADDR:PORT or --dport N`);
  return {
    name: `${o.from} -> ${o.to} (${o.proto})`,
    from: o.from,
    dst: d.dst,
    proto: o.proto,
    dport,
    sport: o.sport,
    src: o.src,
    ttl: o.ttl,
    size: o.size,
    mark: o.mark,
    df: o.df,
  };
}

export function registerTrace(program: Command, out: (s: string) => void): void {
  program
    .command('trace')
    .description('trace packets hop by hop: the scenario\'s own traces, or one you describe with --from/--to')
    .argument('<scenario>', 'a scenario file')
    .option('--from <netns>', 'namespace whose socket sends')
    .option('--to <where>', 'destination: A.B.C.D, A.B.C.D:PORT, or a namespace name')
    .option('--proto <p>', 'tcp | udp | icmp', argChoice('--proto', ['tcp', 'udp', 'icmp'] as const), 'tcp')
    .option('--dport <n>', 'destination port', argInt('--dport', 1, 65535))
    .option('--sport <n>', 'source port (echo id for icmp)', argInt('--sport', 1, 65535))
    .option('--src <addr>', 'bind the socket to this source address', argIpv4('--src'))
    .option('--ttl <n>', 'initial TTL', argInt('--ttl', 1, 255))
    .option('--size <bytes>', 'payload size', argInt('--size', 0, 65507))
    .option('--mark <n>', 'SO_MARK of the socket', argInt('--mark', 0, 2 ** 32 - 1))
    .option('--no-df', 'clear the don\'t-fragment bit')
    .option('--name <trace>', 'only the scenario trace with this name')
    .option('--seed <n>', 'seed for random choices', argInt('--seed', 0, 2 ** 32 - 1), 1)
    .option('--detail <level>', 'minimal | summary | detailed', argChoice('--detail', ['minimal', 'summary', 'detailed'] as const), 'summary')
    .option('-o, --output <format>', 'text | json (schema packetwalk.trace/v1)', argChoice('--output', ['text', 'json'] as const), 'text')
    .option('--no-reply', 'leave out the reply\'s way back')
    .option('--pcap <file>', 'also write every frame the trace put on a link to a pcapng file')
    .addHelpText(
      'after',
      `
Each hop shows the namespace, the device, the kernel step (output-route, neigh, xmit, bridge, rcv,
input-route, forward, local-deliver, icmp-send, drop) and what happened there. The last line of a leg is
its disposition: DELIVERED, REFUSED, REJECTED, DROPPED (with the kernel's drop reason), NO_ROUTE,
TTL_EXCEEDED, NEIGH_FAILED, EXITS_NETWORK or LOOP. A TCP trace also shows the SYN-ACK or RST coming back;
an ICMP error the packet drew is traced back to its sender.

Examples:
  net trace scenarios/router-between-subnets.yaml
  net trace scenarios/router-between-subnets.yaml --from left --to 10.0.2.2:80
  net trace scenarios/router-between-subnets.yaml --from left --to right --proto icmp --ttl 1 --detail detailed
  net trace scenarios/router-between-subnets.yaml --from left --to 10.0.2.2:53 --proto udp -o json`,
    )
    .action((file: string, o: TraceOpts) => {
      const sc = loadOrFail(file);
      let traces: TraceSpec[];
      if (o.from !== undefined || o.to !== undefined) traces = [adHocTrace(sc, o)];
      else if (o.name !== undefined) {
        traces = sc.traces.filter((t) => t.name === o.name);
        if (traces.length === 0) throw new UsageError(`--name: no trace "${o.name}" in ${file} (traces: ${sc.traces.map((t) => JSON.stringify(t.name)).join(', ')})`);
      } else traces = sc.traces;
      if (traces.length === 0) throw new UsageError(`${file} has no traces: describe one with --from and --to`);
      if (o.pcap !== undefined && traces.length !== 1) throw new UsageError('--pcap needs exactly one trace: add --name or --from/--to');
      const results = traces.map((t) => {
        const { trace, recorder } = runTraceRecorded(sc.world, t, { seed: o.seed });
        if (o.pcap !== undefined) {
          try {
            writeFileSync(o.pcap, renderPcap(recorder));
          } catch (e) {
            throw new UsageError(`--pcap: cannot write ${o.pcap}: ${e instanceof Error ? e.message : String(e)}`);
          }
        }
        return o.reply ? trace : { ...trace, reply: null };
      });
      if (o.output === 'json') out(results.length === 1 ? renderTraceJson(results[0]) : `[\n${results.map(renderTraceJson).join(',\n')}\n]`);
      else out(results.map((r) => renderTraceText(r, o.detail)).join('\n\n'));
    });
}
