import type { Command } from 'commander';
import { formatIpv4, parseIpv4 } from '../wire/ipv4-addr.js';
import { formatIpv6, parseIpv6 } from '../wire/ipv6-addr.js';
import type { Scenario, TraceSpec } from '../scenario/model.js';
import { readFileSync, writeFileSync } from 'node:fs';
import { InvalidArgumentError } from 'commander';
import { exploreTraceBranches, withBranches, renderPcap, renderTraceJson, renderTraceText } from '../trace/index.js';
import { formatIptablesTraceError, renderIptablesTraceJson, renderIptablesTraceText, traceIptablesSave } from '../trace/iptables-save-trace.js';
import type { Detail } from '../trace/index.js';
import { buildWorld } from '../kernel/index.js';
import { runTimeline } from '../scenario/run-timeline.js';
import type { Recorder } from '../sim/index.js';
import type { Trace } from '../trace/index.js';
import { clusterAt, timelineAt } from './timeline-at.js';
import { tcpFlagsProblem } from '../sim/index.js';
import { parsePort } from '../scenario/endpoint-syntax.js';
import { loadOrFail } from './load.js';
import { UsageError } from './usage-error.js';
import { annotateTrace, chainTexts } from '../cluster/annotate-trace.js';
import { resolveEndpoint } from '../cluster/endpoints.js';
import { parseNameDestination } from '../dns/destination-name.js';
import { runScenarioTrace } from '../scenario/run-scenario-trace.js';
import { argChoice, argInt } from './parse-args.js';

export interface TraceOpts {
  from?: string;
  to?: string;
  proto: 'tcp' | 'udp' | 'icmp' | 'sctp';
  dport?: number;
  sport?: number;
  /** An IPv4 address as a number; an IPv6 one (only with --iptables-save) as its text. */
  src?: number | string;
  ttl?: number;
  size?: number;
  mark?: number;
  flags?: string;
  uid?: number;
  df: boolean;
  name?: string;
  at?: string;
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
  ipsets?: string;
}

/** `--flags SA`: TCP flags as tcpdump letters. */
function argFlags(text: string): string {
  const bad = tcpFlagsProblem(text);
  if (bad !== undefined) throw new InvalidArgumentError(`--flags: ${bad.message} (at letter ${bad.column} of "${text}")`);
  return text;
}

/** `--dst A.B.C.D[:PORT]`, or IPv6 as `[ADDR]:PORT` or a bare ADDR (an ip6tables-save dump). */
function argDst(text: string): { addr: string; port?: number } {
  const v6 = /^\[([^\]]+)\](?::(\d+))?$/.exec(text) ?? (text.split(':').length > 2 ? [text, text] : null);
  const m = v6 ?? /^([^:]+)(?::(\d+))?$/.exec(text);
  const port = m?.[2] === undefined ? undefined : Number(m[2]);
  const addr = m === null ? undefined : v6 ? parseIpv6(m[1]) : parseIpv4(m[1]);
  if (!m || addr === undefined || (port !== undefined && (port < 1 || port > 65535))) {
    throw new InvalidArgumentError(`--dst must be A.B.C.D or A.B.C.D:PORT (port 1..65535), or for IPv6 [ADDR]:PORT or ADDR, got "${text}"`);
  }
  return { addr: v6 ? formatIpv6(addr as bigint) : m[1], port };
}

/** `--src`: IPv4 for every trace; IPv6 too, for --iptables-save (checked there). */
function argSrc(text: string): number | string {
  const a = parseIpv4(text);
  if (a !== undefined) return a;
  if (text.includes(':') && parseIpv6(text) !== undefined) return text;
  throw new InvalidArgumentError(`--src must be an IPv4 address like 10.0.0.1 (or, with --iptables-save, an IPv6 address), got "${text}"`);
}

/** `--node-ip`, repeatable: the IPv4 trace notes IPv6 ones as ignored, the IPv6 trace IPv4 ones. */
function argNodeIp(text: string, previous: string[]): string[] {
  if (parseIpv4(text) === undefined && !/^[0-9a-fA-F:.]*:[0-9a-fA-F:.]*$/.test(text)) {
    throw new InvalidArgumentError(`--node-ip must be an IP address like 192.168.0.2, got "${text}"`);
  }
  return [...previous, text];
}

/** `--src` of a scenario trace: the kernel core is IPv4, an IPv6 source is for --iptables-save only. */
function ipv4Src(o: TraceOpts): number | undefined {
  if (typeof o.src === 'string') throw new UsageError(`--src ${o.src}: an IPv6 source is for --iptables-save only (the scenario's kernel is IPv4)`);
  return o.src;
}

/** Flags that belong to one mode only, by the name the user typed. */
const SCENARIO_ONLY: ReadonlyArray<readonly [keyof TraceOpts, string]> = [['from', '--from'], ['to', '--to'], ['name', '--name'], ['pcap', '--pcap'], ['at', '--at'], ['flags', '--flags']];
const IPTABLES_ONLY: ReadonlyArray<readonly [keyof TraceOpts, string]> = [['dst', '--dst'], ['lenientComments', '--lenient-comments'], ['inIface', '--in-iface'], ['outIface', '--out-iface'], ['ipsets', '--ipsets']];

/** Flags that shape the packet of a trace given by --from/--to; a scenario's own traces carry their own. */
const AD_HOC_ONLY: ReadonlyArray<readonly [keyof TraceOpts, string]> = [
  ['dport', '--dport'], ['sport', '--sport'], ['src', '--src'], ['ttl', '--ttl'], ['size', '--size'], ['mark', '--mark'],
];

/** `net trace --iptables-save FILE`: one packet through one node's rule dump (src/trace/iptables-save-trace.ts). */
function iptablesSaveTrace(file: string, o: TraceOpts, out: (s: string) => void): void {
  for (const [k, flag] of SCENARIO_ONLY) if (o[k] !== undefined) throw new UsageError(`${flag} describes a scenario trace; with --iptables-save give --src and --dst`);
  if (o.src === undefined) throw new UsageError('--iptables-save needs --src A.B.C.D (the packet\'s source)');
  if (o.dst === undefined) throw new UsageError('--iptables-save needs --dst A.B.C.D:PORT (the packet\'s destination)');
  if (o.dport !== undefined && o.dst.port !== undefined && o.dport !== o.dst.port) {
    throw new UsageError(`--dst ${o.dst.addr}:${o.dst.port} and --dport ${o.dport} disagree: give the port once`);
  }
  if (o.proto === 'icmp' && (o.dst.port !== undefined || o.dport !== undefined)) {
    throw new UsageError('--proto icmp has no ports: write --dst without ":PORT" and leave out --dport');
  }
  const dport = o.dport ?? o.dst.port;
  if (o.proto !== 'icmp' && dport === undefined) throw new UsageError(`${o.proto} needs a port: --dst A.B.C.D:PORT or --dport N`);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new UsageError(`--iptables-save: cannot read ${file}: ${e instanceof Error ? e.message : String(e)}`);
  }
  let ipsets: string | undefined;
  if (o.ipsets !== undefined) {
    try {
      ipsets = readFileSync(o.ipsets, 'utf8');
    } catch (e) {
      throw new UsageError(`--ipsets: cannot read ${o.ipsets}: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  const t = traceIptablesSave(text, {
    ipsets,
    src: typeof o.src === 'number' ? formatIpv4(o.src) : o.src,
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
    throw new UsageError(`${file}: ${n} error${n === 1 ? '' : 's'}, nothing traced${hint}`, t.errors.map((e) => formatIptablesTraceError(file, e, o.ipsets)));
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
  const colon = to.indexOf(':');
  const nsName = colon < 0 ? to : to.slice(0, colon);
  const portText = colon < 0 ? undefined : to.slice(colon + 1);
  const ns = sc.world.namespaces.find((n) => n.name === nsName);
  if (!ns) throw new UsageError(`--to: "${to}" is neither an address (A.B.C.D[:PORT]) nor a namespace of ${sc.file}`);
  const port = portText === undefined ? undefined : parsePort(portText);
  if (portText !== undefined && port === undefined) throw new UsageError(`--to: "${portText}" is not a port (1..65535)`);
  const addr = ns.links.flatMap((l) => l.addresses).find((a) => a.addr >>> 24 !== 127);
  if (!addr) throw new UsageError(`--to: namespace ${nsName} has no address`);
  return { dst: addr.addr, port };
}

/** In a Cluster, `--from`/`--to` take pod/NAME, NS/NAME, node/NAME, ext/NAME or IP[:PORT] (src/cluster/endpoints.ts). */
function clusterEndpoints(sc: Scenario, o: TraceOpts): { from: string; to: { dst: number; port?: number; name?: string } } {
  const c = sc.cluster!;
  const from = resolveEndpoint(c, o.from!);
  if (!from.ok) throw new UsageError(`--from: ${from.error}`);
  if (from.value.netns === '' || from.value.port !== undefined) throw new UsageError(`--from: "${o.from}" is not a pod, node or host (write pod/NAME, NS/NAME, node/NAME or ext/NAME)`);
  const to = resolveEndpoint(c, o.to!);
  if (!to.ok) {
    // Not an endpoint of the cluster: a DNS name the source's resolver looks up first.
    const n = parseNameDestination(o.to!);
    if (n.ok) return { from: from.value.netns, to: { dst: 0, port: n.value.port, name: n.value.name } };
    throw new UsageError(`--to: ${to.error}`);
  }
  return { from: from.value.netns, to: { dst: to.value.addr, port: to.value.port } };
}

/** The packet of `--from`/`--to` and the flags that shape it (also what `net serve` traces). */
export function adHocTrace(sc: Scenario, o: TraceOpts): TraceSpec {
  if (!o.from || !o.to) throw new UsageError('give both --from and --to, or neither (to trace the scenario\'s own traces)');
  if (sc.cluster !== undefined) {
    const e = clusterEndpoints(sc, o);
    const dport = o.dport ?? e.to.port;
    if (o.proto !== 'icmp' && dport === undefined) throw new UsageError(`${o.proto} needs a port: --to NAME:PORT or --dport N`);
    return { name: `${o.from} -> ${o.to} (${o.proto})`, from: e.from, dst: e.to.dst, proto: o.proto, dport, sport: o.sport, src: ipv4Src(o), ttl: o.ttl, size: o.size, mark: o.mark, df: o.df, ...(e.to.name === undefined ? {} : { toName: e.to.name }) };
  }
  if (!sc.world.namespaces.some((n) => n.name === o.from)) {
    throw new UsageError(`--from: no namespace "${o.from}" in ${sc.file} (namespaces: ${sc.world.namespaces.map((n) => n.name).join(', ')})`);
  }
  const proto = o.proto;
  if (o.flags !== undefined && proto !== 'tcp') throw new UsageError(`--flags is for tcp only, not ${proto}`);
  const d = destination(sc, o.to);
  // One port, said once: a name saying :80 must not trace port 81, and ICMP echo has no port to drop silently.
  if (d.port !== undefined && o.dport !== undefined && d.port !== o.dport) {
    throw new UsageError(`--to ${o.to} and --dport ${o.dport} disagree: give the port once`);
  }
  if (proto === 'icmp' && (d.port !== undefined || o.dport !== undefined)) {
    throw new UsageError(`--proto icmp has no ports: write --to without ":PORT" and leave out --dport (--sport sets the echo id)`);
  }
  const dport = o.dport ?? d.port;
  if (o.proto !== 'icmp' && dport === undefined) throw new UsageError(`${o.proto} needs a port: --to ADDR:PORT or --dport N`);
  return {
    name: `${o.from} -> ${o.to} (${o.proto})`,
    from: o.from,
    dst: d.dst,
    proto,
    dport,
    sport: o.sport,
    src: ipv4Src(o),
    ttl: o.ttl,
    size: o.size,
    mark: o.mark,
    uid: o.uid,
    df: o.df,
    ...(o.flags !== undefined ? { flags: o.flags } : {}),
  };
}

/** `--at POINT`: the timeline up to that point, then the packet of --from/--to there (or the timeline's own traces). */
function traceAtPoint(scenario: Scenario, o: TraceOpts & { at: string }, out: (s: string) => void): void {
  const steps = timelineAt(scenario, o.at, '--at');
  // Endpoints by name are those of the cluster at that point (a Cluster timeline may have changed it).
  const sc: Scenario = { ...scenario, cluster: clusterAt(scenario, o.at) };
  if (o.branches) throw new UsageError('--branches does not combine with --at');
  const adHoc = o.from !== undefined || o.to !== undefined ? adHocTrace(sc, o) : undefined;
  if (adHoc === undefined && o.name !== undefined) throw new UsageError('--name does not combine with --at: the timeline\'s traces up to the point are shown');
  const run = runTimeline(sc.world, steps, { seed: o.seed, stopAt: o.at, ...(scenario.cluster === undefined ? {} : { cluster: scenario.cluster }) });
  if (run.failedAt !== undefined) {
    const failed = run.events.at(-1);
    const detail = failed?.kind === 'run' ? `: ${failed.step.command.text}: ${failed.stderr.join(' ')}` : '';
    throw new UsageError(`the timeline stopped at step ${run.failedAt + 1} before point "${o.at}"${detail}`);
  }
  let results: Trace[];
  let recorder: Recorder | undefined;
  if (adHoc !== undefined) {
    const r = runScenarioTrace(run.world, sc.cluster, adHoc, { seed: o.seed, startAt: run.now });
    // Named by the cluster as it is at the point, as a trace without --at is named by the cluster as loaded.
    results = [sc.cluster ? annotateTrace(r.trace, sc.cluster.owners, chainTexts(sc.cluster)) : r.trace];
    recorder = r.recorder;
  } else {
    const done = run.events.flatMap((e) => (e.kind === 'trace' ? [e] : []));
    if (done.length === 0) throw new UsageError(`no trace runs before point "${o.at}": describe one with --from and --to`);
    results = done.map((e) => e.trace);
    if (done.length === 1) recorder = done[0].recorder;
  }
  if (o.pcap !== undefined) {
    if (recorder === undefined) throw new UsageError('--pcap needs exactly one trace: add --from/--to');
    try {
      writeFileSync(o.pcap, renderPcap(recorder));
    } catch (e) {
      throw new UsageError(`--pcap: cannot write ${o.pcap}: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  const shown = o.reply ? results : results.map((r) => ({ ...r, reply: null }));
  if (o.output === 'json') out(shown.length === 1 ? renderTraceJson(shown[0]) : `[\n${shown.map(renderTraceJson).join(',\n')}\n]`);
  else out(shown.map((r) => renderTraceText(r, o.detail)).join('\n\n'));
}

export function registerTrace(program: Command, out: (s: string) => void): void {
  program
    .command('trace')
    .description('trace packets hop by hop: the scenario\'s own traces, or one you describe with --from/--to; or one packet through a node\'s iptables-save dump')
    .argument('[scenario]', 'a scenario file (not with --iptables-save)')
    .option('--from <netns>', 'namespace whose socket sends (in a Cluster: pod/NAME, NS/NAME, node/NAME, ext/NAME)')
    .option('--to <where>', 'destination: A.B.C.D, A.B.C.D:PORT, or a namespace name (in a Cluster also pod/NAME[:PORT], NS/NAME, node/NAME, ext/NAME, or a DNS name NAME:PORT)')
    .option('--proto <p>', 'tcp | udp | icmp | sctp (an INIT chunk)', argChoice('--proto', ['tcp', 'udp', 'icmp', 'sctp'] as const), 'tcp')
    .option('--dport <n>', 'destination port', argInt('--dport', 1, 65535))
    .option('--sport <n>', 'source port (echo id for icmp)', argInt('--sport', 1, 65535))
    .option('--src <addr>', 'bind the socket to this source address (with --iptables-save: the packet\'s source, IPv4 or IPv6)', argSrc)
    .option('--ttl <n>', 'initial TTL', argInt('--ttl', 1, 255))
    .option('--size <bytes>', 'payload size', argInt('--size', 0, 65507))
    .option('--mark <n>', 'SO_MARK of the socket', argInt('--mark', 0, 2 ** 32 - 1))
    .option('--uid <n>', 'owner of the sending socket (ip rule uidrange); default 0, root', argInt('--uid', 0, 2 ** 32 - 2))
    .option('--no-df', 'clear the don\'t-fragment bit')
    .option('--flags <letters>', 'TCP flags as tcpdump letters (S, A, SA, R, RA, F, FA, P...); default S', argFlags)
    .option('--name <trace>', 'only the scenario trace with this name')
    .option('--at <point>', 'a point of the scenario\'s timeline: trace the packet of --from/--to there, or show the timeline\'s traces up to it')
    .option('--seed <n>', 'seed for random choices', argInt('--seed', 0, 2 ** 32 - 1), 1)
    .option('--detail <level>', 'minimal | summary | detailed', argChoice('--detail', ['minimal', 'summary', 'detailed'] as const), 'summary')
    .option('-o, --output <format>', 'text | json (schema packetwalk.trace/v1; packetwalk.iptables-trace/v1 with --iptables-save)', argChoice('--output', ['text', 'json'] as const), 'text')
    .option('--no-reply', 'leave out the reply\'s way back')
    .option('--pcap <file>', 'also write every frame the trace put on a link to a pcapng file')
    .option('--branches', 'explore every outcome of random rule matches (-m statistic) and ECMP paths, and list each with its probability')
    .option('--iptables-save <file>', 'trace through this node\'s iptables-save dump (or iptables-restore input) instead of a scenario')
    .option('--dst <addr[:port]>', 'with --iptables-save: the packet\'s destination, A.B.C.D:PORT (IPv6: [ADDR]:PORT)', argDst)
    .option('--node-ip <addr>', 'with --iptables-save: an address of the node (repeatable); from one of them the node itself sends', argNodeIp, [])
    .option('--lenient-comments', 'with --iptables-save: accept unquoted --comment values (kube-proxy FakeIPTables text)')
    .option('--in-iface <dev>', 'with --iptables-save: the device the packet comes in by (default eth0)')
    .option('--out-iface <dev>', 'with --iptables-save: the device it leaves by (default eth0)')
    .option('--ipsets <file>', 'with --iptables-save: the node\'s `ipset save` output, the sets -m set --match-set may name')
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

In a Cluster, --to may be a DNS name (web.prod:80): the sender's resolver looks it up first as glibc does
(its resolv.conf's search list, an A and an AAAA query per candidate), each query traced as a UDP packet to
the kube-dns ClusterIP and DNATed to a CoreDNS pod, then the connection goes to the address found:
  net trace scenarios/cluster-dns-search.yaml --from pod/client --to web.prod:80 --detail minimal

With --at POINT (a \`point\` of the scenario's timeline) the timeline runs up to that point first: the packet
of --from/--to is traced on the World as the timeline left it there, at that virtual time; without them, the
timeline's own traces up to the point are shown.
  net trace scenarios/fdb-ageing.yaml --at aged --from a --to 10.1.0.3 --proto icmp

With --iptables-save FILE (no scenario), one node's rules from \`iptables-save\` become the rules of a one-node
World (the --node-ip addresses on --in-iface, a peer that owns --src and sends) and the packet takes the
packet path of every trace: PREROUTING (OUTPUT when --src is one of the --node-ip addresses), the DNAT decided
there, filter INPUT or FORWARD (OUTPUT, then INPUT over lo, for the node's own packets), and POSTROUTING. It
prints every rule that matched with its line in FILE, the verdict, the DNAT destination and whether the packet
is masqueraded; each -m statistic branch (a Service endpoint) is shown with its probability.
On a node, \`iptables-save > node.rules\` takes the dump; examples/kube-proxy-node.rules is one to try:
  net trace --iptables-save examples/kube-proxy-node.rules --src 10.0.0.2 --dst 172.30.0.44:80 --node-ip 192.168.0.2
  net trace --iptables-save examples/kube-proxy-node.rules --src 192.168.0.2 --dst 192.168.0.2:3001 --node-ip 192.168.0.2 -o json
An IPv6 --src and --dst ([ADDR]:PORT) read FILE as an \`ip6tables-save\` dump; kube-proxy's IPv6 rules go there.
They take a walk of the hooks in the kernel's order instead of the IPv4 packet path (the kernel core is IPv4):
  net trace --iptables-save examples/kube-proxy-node-ipv6.rules --src fd00:10::2 --dst [fd00:172:30::41]:80 --node-ip 2001:db8::1
  net trace --iptables-save examples/kube-proxy-node-ipv6.rules --src 2600:5200::1 --dst [2001:db8::1]:3001 --node-ip 2001:db8::1
A dump whose rules say \`-m set --match-set NAME\` needs the node's sets: \`ipset save > node-a.ipsets\`, then
add --ipsets node-a.ipsets (a set it does not create is refused, as iptables-restore refuses it).`,
    )
    .action((file: string | undefined, o: TraceOpts, cmd: Command) => {
      if (o.iptablesSave !== undefined) {
        if (file !== undefined) throw new UsageError(`give a scenario (${file}) or --iptables-save ${o.iptablesSave}, not both`);
        iptablesSaveTrace(o.iptablesSave, o, out);
        return;
      }
      if (file === undefined) throw new UsageError('give a scenario file, or --iptables-save FILE to trace through a node\'s rule dump');
      for (const [k, flag] of IPTABLES_ONLY) if (o[k] !== undefined) throw new UsageError(`${flag} needs --iptables-save FILE`);
      if (o.nodeIp.length) throw new UsageError('--node-ip needs --iptables-save FILE');
      if (o.flags !== undefined && o.from === undefined && o.to === undefined) throw new UsageError('--flags describes a packet: give --from and --to with it');
      const sc = loadOrFail(file);
      if (o.at !== undefined) {
        traceAtPoint(sc, { ...o, at: o.at }, out);
        return;
      }
      let traces: TraceSpec[];
      if ((o.from !== undefined || o.to !== undefined) && o.name !== undefined) {
        throw new UsageError(`--name picks a trace of the scenario; --from/--to describe a new one: give one or the other`);
      }
      if (o.from === undefined && o.to === undefined) {
        for (const [k, flag] of AD_HOC_ONLY) if (o[k] !== undefined) throw new UsageError(`${flag} describes the packet of an ad-hoc trace: give --from and --to with it`);
        // --proto has a default, so only a --proto the user typed is refused.
        if (cmd.getOptionValueSource('proto') === 'cli') throw new UsageError('--proto describes the packet of an ad-hoc trace: give --from and --to with it');
      }
      if (o.from !== undefined || o.to !== undefined) traces = [adHocTrace(sc, o)];
      else if (o.name !== undefined) {
        traces = sc.traces.filter((t) => t.name === o.name);
        if (traces.length === 0) throw new UsageError(`--name: no trace "${o.name}" in ${file} (traces: ${sc.traces.map((t) => JSON.stringify(t.name)).join(', ')})`);
      } else traces = sc.traces;
      if (traces.length === 0) throw new UsageError(`${file} has no traces: describe one with --from and --to`);
      if (o.pcap !== undefined && traces.length !== 1) throw new UsageError('--pcap needs exactly one trace: add --name or --from/--to');
      // One World for the scenario; each trace runs on a checkpoint of it.
      const world = buildWorld(sc.world);
      const results = traces.map((t) => {
        const { trace: plain, recorder } = runScenarioTrace(world, sc.cluster, t, { seed: o.seed });
        const trace = sc.cluster ? annotateTrace(plain, sc.cluster.owners, chainTexts(sc.cluster)) : plain;
        if (o.pcap !== undefined) {
          try {
            writeFileSync(o.pcap, renderPcap(recorder));
          } catch (e) {
            throw new UsageError(`--pcap: cannot write ${o.pcap}: ${e instanceof Error ? e.message : String(e)}`);
          }
        }
        if (o.branches && t.toName !== undefined) throw new UsageError(`--branches explores one packet's random choices: give --to an address, not the name ${t.toName}`);
        const explored = o.branches ? withBranches(trace, exploreTraceBranches(world, t, { seed: o.seed })) : trace;
        return o.reply ? explored : { ...explored, reply: null };
      });
      if (o.output === 'json') out(results.length === 1 ? renderTraceJson(results[0]) : `[\n${results.map(renderTraceJson).join(',\n')}\n]`);
      else {
        const all = o.from === undefined && o.to === undefined && o.name === undefined;
        if (all) out(scenarioHeading(file, sc.world.name, traces.length, o.detail));
        out(results.map((r) => renderTraceText(r, o.detail)).join('\n\n'));
        if (all) out(nextSteps(file, sc.traces[0]?.from));
      }
    });
}

/** What a newcomer sees first when a whole scenario is traced: which file, how many traces, how to read the numbers. */
function scenarioHeading(file: string, name: string, count: number, detail: Detail): string {
  const numbering =
    detail === 'detailed'
      ? 'every step of each packet is shown, numbered in order'
      : `steps are numbered in the order the kernel took them; gaps are minor steps that --detail ${detail === 'minimal' ? 'summary or ' : ''}detailed shows`;
  return `scenario ${name} (${file}): ${count} trace${count === 1 ? '' : 's'}, each packet hop by hop, then its reply\n(${numbering})\n`;
}

/** The closing lines: what to try next on the same file. */
function nextSteps(file: string, firstFrom: string | undefined): string {
  const ns = firstFrom ?? '<netns>';
  const rows: [string, string][] = [
    [`net trace ${file} --detail detailed`, 'every step, with the rules and headers'],
    [`net trace ${file} --from ${ns} --to ADDR:PORT`, 'a packet of your own'],
    [`net show ${file} ${ns} route`, 'the state behind a hop, as ip prints it'],
    ['net run scenarios/', "check every shipped scenario's expectations"],
  ];
  const width = rows.reduce((m, [c]) => Math.max(m, c.length), 0);
  return ['', 'Next:', ...rows.map(([c, what]) => `  ${c.padEnd(width)}  ${what}`)].join('\n');
}
