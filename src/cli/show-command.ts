import type { Command } from 'commander';
import { buildWorld } from '../kernel/index.js';
import type { Netns, World } from '../kernel/index.js';
import { showAddr, showFdb, showLink, showNeigh, showRoute, showRule } from '../kernel/show/index.js';
import { runProbe } from '../sim/index.js';
import { formatTable } from '../kernel/conntrack/index.js';
import { printSave } from '../kernel/netfilter/index.js';
import { loadOrFail } from './load.js';
import { UsageError } from './usage-error.js';
import { runTimeline } from '../scenario/run-timeline.js';
import { clusterAt, timelineAt } from './timeline-at.js';
import { argChoice } from './parse-args.js';
import { resolveEndpoint } from '../cluster/endpoints.js';
import { describeEndpointSlices } from '../cluster/describe-endpointslice.js';

const WHAT = ['addr', 'link', 'route', 'rule', 'neigh', 'fdb', 'iptables', 'conntrack', 'endpointslices'] as const;
type What = (typeof WHAT)[number];

function tableArg(text: string | undefined): 'main' | 'local' | 'all' | number {
  if (text === undefined || text === 'main') return 'main';
  if (text === 'local' || text === 'all') return text;
  if (text === 'default') return 253;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 0 || n > 0xffffffff) throw new UsageError(`--table: expected main, local, all, default or a number, got "${text}"`);
  return n;
}

function print(ns: Netns, what: What, table: string | undefined, now: number): string {
  switch (what) {
    case 'addr':
      return showAddr(ns);
    case 'link':
      return showLink(ns);
    case 'route':
      return showRoute(ns, tableArg(table));
    case 'rule':
      return showRule(ns);
    case 'neigh':
      return showNeigh(ns);
    case 'fdb':
      return showFdb(ns);
    case 'iptables':
      return ns.nf ? printSave(ns.nf.ruleset) : '';
    case 'conntrack': {
      if (!ns.nf) return '';
      const t = formatTable(ns.nf.conntrack.entries(now), now);
      return t.stdout;
    }
    case 'endpointslices':
      return '';
  }
}

export function registerShow(program: Command, out: (s: string) => void): void {
  program
    .command('show')
    .description('a namespace\'s state, printed the way ip and bridge print it')
    .argument('<scenario>', 'a scenario file')
    .argument('<netns>', 'the namespace (in a Cluster also node/NAME, pod/NAME, NS/NAME, ext/NAME)')
    .argument('<what>', WHAT.join(' | '), argChoice('<what>', WHAT))
    .option('--table <t>', 'route table: main, local, all, default or a number (route only)')
    .option('--after <trace>', 'show the state after this scenario trace ran (learned neighbours and fdb entries)')
    .option('--at <point>', 'show the state at this point of the scenario\'s timeline')
    .addHelpText(
      'after',
      `
  addr   ip addr        link  ip link        route     ip route [table T]
  rule   ip rule        neigh ip neigh       fdb       bridge fdb show
  iptables  iptables-save                    conntrack conntrack -L: the scenario's conntrack:
                                             lines at time 0, or the table --after a trace
  endpointslices  a Cluster's EndpointSlices as kubectl describe prints them (with serving and
                  terminating); <netns> is then the Kubernetes namespace, or all; --at for a
                  point of the timeline (after kubectl, apply: and ready: steps)

With --after, the state is the one when the trace's run ended: a neighbour the trace used may be
REACHABLE, STALE, DELAY, PROBE, FAILED or INCOMPLETE (net.ipv4.neigh.DEV.* set the timing).

Examples:
  net show scenarios/router-between-subnets.yaml router route --table all
  net show scenarios/bridge-learning.yaml switch fdb --after "a pings b"
  net show scenarios/conntrack-old-backend.yaml router conntrack
  net show scenarios/anycast-lo.yaml node-a route --table local
  net show scenarios/fdb-ageing.yaml switch fdb --at learned
  net show scenarios/cluster-timeline-readiness.yaml default endpointslices --at not-ready`,
    )
    .action((file: string, netns: string, what: What, o: { table?: string; after?: string; at?: string }) => {
      const sc = loadOrFail(file);
      if (what === 'endpointslices') {
        // Kubernetes objects, not kernel state: <netns> is the Kubernetes namespace (or "all").
        if (sc.cluster === undefined) throw new UsageError('endpointslices: only a kind: Cluster scenario has them');
        if (o.after !== undefined || o.table !== undefined) throw new UsageError('endpointslices: takes --at only');
        const c = o.at !== undefined ? (timelineAt(sc, o.at, '--at'), clusterAt(sc, o.at)) : sc.cluster;
        const slices = (c ?? sc.cluster).endpointSlices.filter((s) => netns === 'all' || s.meta.namespace === netns);
        if (slices.length === 0) throw new UsageError(`no EndpointSlices in namespace "${netns}" (give a Kubernetes namespace, or all)`);
        out(describeEndpointSlices(slices));
        return;
      }
      // At a point of a Cluster timeline, pods are those of the cluster then.
      const cluster = o.at !== undefined && sc.timeline !== undefined ? clusterAt(sc, o.at) : sc.cluster;
      if (cluster !== undefined && netns.includes('/')) {
        const r = resolveEndpoint(cluster, netns);
        if (!r.ok || r.value.netns === '') throw new UsageError(`${netns}: ${r.ok ? 'not a pod, node or host' : r.error}`);
        netns = r.value.netns;
      }
      const spaces = (cluster?.world ?? sc.world).namespaces;
      if (!spaces.some((n) => n.name === netns)) {
        throw new UsageError(`no namespace "${netns}" in ${file} (namespaces: ${spaces.map((n) => n.name).join(', ')})`);
      }
      if (o.table !== undefined && what !== 'route') throw new UsageError('--table applies to route only');
      let world: World;
      let now = 0;
      if (o.after !== undefined && o.at !== undefined) throw new UsageError('give --after TRACE or --at POINT, not both');
      if (o.at !== undefined) {
        const run = runTimeline(sc.world, timelineAt(sc, o.at, '--at'), { stopAt: o.at, ...(sc.cluster === undefined ? {} : { cluster: sc.cluster }) });
        if (run.failedAt !== undefined) throw new UsageError(`the timeline stopped at step ${run.failedAt + 1}, before point "${o.at}"`);
        world = run.world;
        now = run.now;
      } else if (o.after !== undefined) {
        const t = sc.traces.find((x) => x.name === o.after);
        if (!t) throw new UsageError(`--after: no trace "${o.after}" in ${file}`);
        // The World is this command's own: the run keeps what it left (learned entries, conntrack).
        const run = runProbe(buildWorld(sc.world), t, { keep: true });
        world = run.world;
        now = run.endedAt;
      } else world = buildWorld(sc.world);
      const ns = world.netns(netns);
      if (!ns) throw new UsageError(`no namespace "${netns}"`);
      const text = print(ns, what, o.table, now);
      if (text !== '') out(text.replace(/\n$/, ''));
    });
}
