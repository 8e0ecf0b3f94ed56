import type { Command } from 'commander';
import { formatIpv4, parseIpv4 } from '../wire/ipv4-addr.js';
import type { Scenario, TraceSpec } from '../scenario/model.js';
import { readFileSync, writeFileSync } from 'node:fs';
import { InvalidArgumentError } from 'commander';
import { exploreTraceBranches, renderPcap, renderTraceJson, renderTraceText, runTraceRecorded } from '../trace/index.js';
import { formatIptablesTraceError, renderIptablesTraceJson, renderIptablesTraceText, traceIptablesSave } from '../trace/iptables-save-trace.js';
import type { Detail } from '../trace/index.js';
import { loadOrFail } from './load.js';
import { UsageError } from './usage-error.js';
import { argChoice, argInt, argIpv4 } from './parse-args.js';

interface TraceOpts {
  from?: string;
  to?: string;
  proto: 'tcp' | 'udp' | 'icmp' | 'sctp';
  dport?: number;
  sport?: number;
  src?: number;
  ttl?: number;
  size?: number;
  mark?: number;
  uid?: number;
  df: boolean;
  name?: string;
  seed: number;
  detail: Detail;
  output: 'text' | 'json';
  reply: boolean;
  pcap?: string;
  branches?: boolean;
  iptablesSave?: string;
  dst?: { addr: string; port?: number };
  nodeIp: string[];
  lenientComments?: boolean;
  inIface?: string;
  outIface?: string;
}

/** `--dst A.B.C.D[:PORT]`. */
function argDst(text: string): { addr: string; port?: number } {
  const m = /^([^:]+)(?::(\d+))?$/.exec(text);
  const port = m?.[2] === undefined ? undefined : Number(m[2]);
  if (!m || parseIpv4(m[1]) === undefined || (port !== undefined && (port < 1 || port > 65535))) {
    throw new InvalidArgumentError(`--dst must be A.B.C.D or A.B.C.D:PORT (port 1..65535), got "${text}"`);
  }
  return { addr: m[1], port };
}

/** `--node-ip`, repeatable; IPv6 addresses are accepted and reported as not modelled. */
function argNodeIp(text: string, previous: string[]): string[] {
  if (parseIpv4(text) === undefined && !/^[0-9a-fA-F:.]*:[0-9a-fA-F:.]*$/.test(text)) {
    throw new InvalidArgumentError(`--node-ip must be an IP address like 192.168.0.2, got "${text}"`);
  }
  return [...previous, text];
}

/** Flags that belong to one mode only, by the name the user typed. */
const SCENARIO_ONLY: ReadonlyArray<readonly [keyof TraceOpts, string]> = [['from', '--from'], ['to', '--to'], ['name', '--name'], ['pcap', '--pcap']];
const IPTABLES_ONLY: ReadonlyArray<readonly [keyof TraceOpts, string]> = [['dst', '--dst'], ['lenientComments', '--lenient-comments'], ['inIface', '--in-iface'], ['outIface', '--out-iface']];

/** `net trace --iptables-save FILE`: one packet through one node's rule dump (src/trace/iptables-save-trace.ts). */
function iptablesSaveTrace(file: string, o: TraceOpts, out: (s: string) => void): void {
  for (const [k, flag] of SCENARIO_ONLY) if (o[k] !== undefined) throw new UsageError(`${flag} describes a scenario trace; with --iptables-save give --src and --dst`);
  if (o.src === undefined) throw new UsageError('--iptables-save needs --src A.B.C.D (the packet\'s source)');
  if (o.dst === undefined) throw new UsageError('--iptables-save needs --dst A.B.C.D:PORT (the packet\'s destination)');
  if (o.dport !== undefined && o.dst.port !== undefined && o.dport !== o.dst.port) {
    throw new UsageError(`--dst ${o.dst.addr}:${o.dst.port} and --dport ${o.dport} disagree: give the port once`);
  }
  const dport = o.dport ?? o.dst.port;
  if (o.proto !== 'icmp' && dport === undefined) throw new UsageError(`${o.proto} needs a port: --dst A.B.C.D:PORT or --dport N`);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new UsageError(`--iptables-save: cannot read ${file}: ${e instanceof Error ? e.message : String(e)}`);
  }
  const t = traceIptablesSave(text, {
    src: formatIpv4(o.src),
    dst: o.dst.addr,
    dport,
    sport: o.sport,
    proto: o.proto,
    nodeIPs: o.nodeIp,
    mark: o.mark,
    lenientComments: o.lenientComments,
    inIface: o.inIface,
    outIface: o.outIface,
  });
  if (t.errors.length) {
    const n = t.errors.length;
    const hint = !o.lenientComments && t.errors.some((e) => /^Bad argument/.test(e.message)) ? ' (kube-proxy test text with unquoted comments? try --lenient-comments)' : '';
    throw new UsageError(`${file}: ${n} error${n === 1 ? '' : 's'}, nothing traced${hint}`, t.errors.map((e) => formatIptablesTraceError(file, e)));
  }
  out(o.output === 'json' ? renderIptablesTraceJson(t) : renderIptablesTraceText(t));
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
  const proto = o.proto;
  if (proto === 'sctp') throw new UsageError('--proto must be one of tcp, udp, icmp, got "sctp" (sctp is traced only with --iptables-save)');
  const d = destination(sc, o.to);
  const dport = o.dport ?? d.port;
  if (o.proto !== 'icmp' && dport === undefined) throw new UsageError(`${o.proto} needs a port: --to ADDR:PORT or --dport N`);
  return {
    name: `${o.from} -> ${o.to} (${o.proto})`,
    from: o.from,
    dst: d.dst,
    proto,
    dport,
    sport: o.sport,
    src: o.src,
    ttl: o.ttl,
    size: o.size,
    mark: o.mark,
    uid: o.uid,
    df: o.df,
  };
}

export function registerTrace(program: Command, out: (s: string) => void): void {
  program
    .command('trace')
    .description('trace packets hop by hop: the scenario\'s own traces, or one you describe with --from/--to; or one packet through a node\'s iptables-save dump')
    .argument('[scenario]', 'a scenario file (not with --iptables-save)')
    .option('--from <netns>', 'namespace whose socket sends')
    .option('--to <where>', 'destination: A.B.C.D, A.B.C.D:PORT, or a namespace name')
    .option('--proto <p>', 'tcp | udp | icmp (sctp with --iptables-save)', argChoice('--proto', ['tcp', 'udp', 'icmp', 'sctp'] as const), 'tcp')
    .option('--dport <n>', 'destination port', argInt('--dport', 1, 65535))
    .option('--sport <n>', 'source port (echo id for icmp)', argInt('--sport', 1, 65535))
    .option('--src <addr>', 'bind the socket to this source address (with --iptables-save: the packet\'s source)', argIpv4('--src'))
    .option('--ttl <n>', 'initial TTL', argInt('--ttl', 1, 255))
    .option('--size <bytes>', 'payload size', argInt('--size', 0, 65507))
    .option('--mark <n>', 'SO_MARK of the socket', argInt('--mark', 0, 2 ** 32 - 1))
    .option('--uid <n>', 'owner of the sending socket (ip rule uidrange); default 0, root', argInt('--uid', 0, 2 ** 32 - 2))
    .option('--no-df', 'clear the don\'t-fragment bit')
    .option('--name <trace>', 'only the scenario trace with this name')
    .option('--seed <n>', 'seed for random choices', argInt('--seed', 0, 2 ** 32 - 1), 1)
    .option('--detail <level>', 'minimal | summary | detailed', argChoice('--detail', ['minimal', 'summary', 'detailed'] as const), 'summary')
    .option('-o, --output <format>', 'text | json (schema packetwalk.trace/v1; packetwalk.iptables-trace/v1 with --iptables-save)', argChoice('--output', ['text', 'json'] as const), 'text')
    .option('--no-reply', 'leave out the reply\'s way back')
    .option('--pcap <file>', 'also write every frame the trace put on a link to a pcapng file')
    .option('--branches', 'explore every outcome of random rule matches (-m statistic) and ECMP paths, and list each with its probability')
    .option('--iptables-save <file>', 'trace through this node\'s iptables-save dump (or iptables-restore input) instead of a scenario')
    .option('--dst <addr[:port]>', 'with --iptables-save: the packet\'s destination, A.B.C.D:PORT', argDst)
    .option('--node-ip <addr>', 'with --iptables-save: an address of the node (repeatable); from one of them the node itself sends', argNodeIp, [])
    .option('--lenient-comments', 'with --iptables-save: accept unquoted --comment values (kube-proxy FakeIPTables text)')
    .option('--in-iface <dev>', 'with --iptables-save: the device the packet comes in by (default eth0)')
    .option('--out-iface <dev>', 'with --iptables-save: the device it leaves by (default eth0)')
    .addHelpText(
      'after',
      `
Each hop shows the namespace, the device, the kernel step (output-route, neigh, xmit, bridge, rcv,
input-route, forward, local-deliver, icmp-send, drop) and what happened there. The last line of a leg is
its disposition: DELIVERED, REFUSED, REJECTED, DROPPED (with the kernel's drop reason), NO_ROUTE,
TTL_EXCEEDED, NEIGH_FAILED, EXITS_NETWORK or LOOP. A TCP trace also shows the SYN-ACK or RST coming back;
an ICMP error the packet drew is traced back to its sender. When the answer or the error never reaches the
sender, a "sender:" line says what the application sees (a timeout, or which errno).

Examples:
  net trace scenarios/router-between-subnets.yaml
  net trace scenarios/router-between-subnets.yaml --from left --to 10.0.2.2:80
  net trace scenarios/router-between-subnets.yaml --from left --to right --proto icmp --ttl 1 --detail detailed
  net trace scenarios/router-between-subnets.yaml --from left --to 10.0.2.2:53 --proto udp -o json
  net trace scenarios/ecmp-multipath.yaml --name "port 443 hashes onto r1" --branches --pcap /tmp/ecmp.pcapng

With --iptables-save FILE (no scenario), one node's rules from \`iptables-save\` are walked the way the kernel
walks a new connection: PREROUTING (OUTPUT when --src is one of the --node-ip addresses), the DNAT decided
there, filter INPUT or FORWARD (OUTPUT, then INPUT over lo, for the node's own packets), and POSTROUTING. It
prints every rule that matched with its line in FILE, the verdict, the DNAT destination and whether the packet
is masqueraded; each -m statistic branch (a Service endpoint) is shown with its probability.
  iptables-save > node-a.rules
  net trace --iptables-save node-a.rules --src 10.244.0.5 --dst 10.96.0.10:53 --proto udp --node-ip 192.168.56.11
  net trace --iptables-save node-a.rules --src 192.168.56.11 --dst 192.168.56.11:30080 --node-ip 192.168.56.11 -o json`,
    )
    .action((file: string | undefined, o: TraceOpts) => {
      if (o.iptablesSave !== undefined) {
        if (file !== undefined) throw new UsageError(`give a scenario (${file}) or --iptables-save ${o.iptablesSave}, not both`);
        iptablesSaveTrace(o.iptablesSave, o, out);
        return;
      }
      if (file === undefined) throw new UsageError('give a scenario file, or --iptables-save FILE to trace through a node\'s rule dump');
      for (const [k, flag] of IPTABLES_ONLY) if (o[k] !== undefined) throw new UsageError(`${flag} needs --iptables-save FILE`);
      if (o.nodeIp.length) throw new UsageError('--node-ip needs --iptables-save FILE');
      if (o.proto === 'sctp') throw new UsageError('--proto must be one of tcp, udp, icmp, got "sctp" (sctp is traced only with --iptables-save)');
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
        const withBranches = o.branches ? { ...trace, branches: exploreTraceBranches(sc.world, t, { seed: o.seed }).branches } : trace;
        return o.reply ? withBranches : { ...withBranches, reply: null };
      });
      if (o.output === 'json') out(results.length === 1 ? renderTraceJson(results[0]) : `[\n${results.map(renderTraceJson).join(',\n')}\n]`);
      else out(results.map((r) => renderTraceText(r, o.detail)).join('\n\n'));
    });
}
