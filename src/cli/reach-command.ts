import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { InvalidArgumentError } from 'commander';
import { formatDiagnostic } from '../scenario/diagnostics.js';
import type { Scenario } from '../scenario/model.js';
import type { Comparison, MatrixPlan, PlanOptions, PortList, ReachCell, ReachMatrix, ReachProto, SelectorTerm } from '../reach/index.js';
import {
  compareWithExpected, diffMatrices, evaluateCells, missingLabels, parsePortList, parseSelector, planMatrix, reachWorld, readExpectedMatrix,
  renderDiffCsv, renderDiffJson, renderDiffTable, renderDifferences, renderMatrixCsv, renderMatrixJson, renderMatrixTable, SELECTOR_SYNTAX,
} from '../reach/index.js';
import { evaluateCellsPooled } from '../reach/reach-pool.js';
import { progressBar } from '../reach/progress-bar.js';
import { loadOrFail } from './load.js';
import { argChoice, argInt } from './parse-args.js';
import { UsageError } from './usage-error.js';

interface ReachOpts {
  from: { text: string; term: SelectorTerm }[];
  to: { text: string; term: SelectorTerm }[];
  ports?: PortList;
  proto?: ReachProto;
  nodeports?: boolean;
  output: 'table' | 'json' | 'csv';
  expect?: string;
  ignoreLoopback?: boolean;
  diff?: string;
  diffAt?: string;
  at?: string;
  seed: number;
  jobs: number;
  quiet?: boolean;
}

/** A `--from`/`--to` term, its mistakes located by column. */
function argSelector(flag: string) {
  return (text: string, previous: { text: string; term: SelectorTerm }[]): { text: string; term: SelectorTerm }[] => {
    const r = parseSelector(text);
    if (!r.ok) throw new InvalidArgumentError(`${flag} ${text}: column ${r.column}: ${r.error}`);
    return [...previous, { text, term: r.value }];
  };
}

function argPorts(text: string): PortList {
  const r = parsePortList(text);
  if (!r.ok) throw new InvalidArgumentError(`--ports ${text}: column ${r.column}: ${r.error}`);
  return r.value;
}

/** The matrix of `sc` at `at`; `other` names the --diff side in messages. */
function matrixOf(sc: Scenario, at: string | undefined, o: ReachOpts, flag: string, other = false): ReachMatrix {
  const w = reachWorld(sc, at, o.seed, flag);
  if (!w.ok) throw new UsageError(w.message);
  const planOpts: PlanOptions = { from: o.from, to: o.to, ...(o.ports ? { ports: o.ports } : {}), ...(o.proto ? { proto: o.proto } : {}), nodePorts: o.nodeports === true };
  const planned = planMatrix(w.value.cluster, planOpts);
  if (!planned.ok) throw new UsageError(`${planned.message}${other ? ` (in ${sc.file}, the --diff side)` : ''}`);
  const plan: MatrixPlan = planned.plan;
  if (plan.rows.length === 0) throw new UsageError(`no sender selected in ${sc.file}: --from ${o.from.map((t) => t.text).join(' ') || '(every pod and container)'} matches nothing`);
  if (plan.cols.length === 0) {
    throw new UsageError(`no destination selected in ${sc.file}: --to ${o.to.map((t) => t.text).join(' ') || '(every pod, container and Service)'} gives no port${o.ports === undefined ? ' (pods with no declared containerPort have none: add --ports)' : ''}`);
  }
  const bar = progressBar(process.stderr, plan.jobs.length, 'net reach', o.quiet === true);
  let cells: ReachCell[];
  try {
    cells =
      o.jobs > 1
        ? evaluateCellsPooled({ file: resolve(sc.file), ...(at !== undefined ? { at } : {}), seed: o.seed }, plan.jobs, o.jobs, bar.tick)
        : evaluateCells(w.value.world, plan.jobs, { seed: o.seed, startAt: w.value.startAt, owners: w.value.cluster.owners, onCell: bar.tick });
  } finally {
    bar.end();
  }
  return { scenario: sc.file, at: at ?? null, rows: plan.rows, cols: plan.cols, cells };
}

function readExpect(file: string, m: ReachMatrix, o: ReachOpts): Comparison {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new UsageError(`--expect: cannot read ${file}: ${e instanceof Error ? e.message : String(e)}`);
  }
  const r = readExpectedMatrix(file, text);
  if (!r.ok) throw new UsageError(`${file}: not an expected matrix`, r.diagnostics.map(formatDiagnostic));
  const missing = missingLabels(m, r.expected);
  if (missing.rows.length > 0 || missing.cols.length > 0) {
    const what = [...(missing.rows.length ? [`sources ${missing.rows.join(' ')}`] : []), ...(missing.cols.length ? [`destinations ${missing.cols.join(' ')}`] : [])].join(' and ');
    throw new UsageError(`${file}: the expectation names ${what}, which the matrix does not have (its sources: ${m.rows.map((r) => r.label).join(' ')}; destinations: ${m.cols.map((c) => c.label).join(' ')})`);
  }
  return compareWithExpected(m, r.expected, { ignoreLoopback: o.ignoreLoopback === true });
}

export function registerReach(program: Command, out: (s: string) => void): void {
  program
    .command('reach')
    .description('the reachability matrix of a Cluster: every sender to every pod and Service port, each cell a full trace with its reply')
    .argument('<scenario>', 'a Cluster scenario file')
    .option('--from <sel>', `senders (repeatable): ${SELECTOR_SYNTAX}; default every pod and container`, argSelector('--from'), [])
    .option('--to <sel>', 'destinations (repeatable), the same syntax; default every pod and container (their declared ports) and every Service port', argSelector('--to'), [])
    .option('--ports <list>', 'ports to probe on pods, containers, nodes and hosts (instead of the declared ones), and the Service ports to keep: 80,81,8000-8002,http', argPorts)
    .option('--proto <p>', 'tcp | udp | sctp: only ports of this protocol; the protocol of --ports numbers (default tcp)', argChoice('--proto', ['tcp', 'udp', 'sctp'] as const))
    .option('--nodeports', 'also probe every node\'s NodePort of each selected Service port')
    .option('-o, --output <format>', 'table | json (schema packetwalk.reach/v1) | csv', argChoice('--output', ['table', 'json', 'csv'] as const), 'table')
    .option('--expect <file>', 'compare with an expected matrix (truth table or JSON): . agrees, X differs; exit 1 when a cell differs')
    .option('--ignore-loopback', 'with --expect: leave out cells whose sender is the destination (the e2e suite\'s ignoreLoopback)')
    .option('--diff <other>', 'the cells that changed from this scenario to OTHER (another variant of it)')
    .option('--diff-at <point>', 'the cells that changed from --at (or the start) to this point of the timeline')
    .option('--at <point>', 'take the matrix at this point of the scenario\'s timeline')
    .option('--seed <n>', 'seed for random choices', argInt('--seed', 0, 2 ** 32 - 1), 1)
    .option('--jobs <n>', 'worker threads for the probes (the cells are the same for any number)', argInt('--jobs', 1, 64), 1)
    .option('--quiet', 'no progress bar')
    .addHelpText(
      'after',
      `
Each cell is a probe from the sender's socket to the destination, traced through the whole dataplane
(kube-proxy's DNAT, bridges, VXLAN, every iptables rule, conntrack) with its reply. It is connected (.)
when the reply reaches the sender: the SYN-ACK for TCP, the answer datagram for UDP; otherwise X (a
Service without endpoints REJECTs, a FORWARD DROP, a REFUSED port, a lost reply). A Service with several
endpoints is probed once per endpoint (each -m statistic branch): a cell some branches connect and others
do not is shown ~, and listed under the table.

Selectors (--from, --to; repeat the flag for more):
  pod/NAME  pod/NS/NAME  NS/NAME     one pod (pod/NAME: in default, or the only pod of that name)
  ns/NAME                            the pods of a namespace
  app=web,tier!=db  NS/app=web       pods by label selector, as kubectl -l (=, ==, !=, in, notin, KEY, !KEY)
  svc/NAME[.NS][:PORT]               a Service's ClusterIP ports (--nodeports: also each node's NodePort)
  node/NAME  host/NAME  ctr/NAME     a node, an external host, a Docker container
  NAME * takes every one: pod/*, ns/*, svc/*, node/*, host/*, ctr/*

The table is printed as the Kubernetes NetworkPolicy e2e suite prints its truth tables (a header "-" then
the destinations, tab-separated); -o json gives each cell's branches: disposition, reason, reply, the pod
reached, the destination after NAT, the peer address the receiver saw (a masquerade shows there), the
namespaces crossed and the rule that stopped it. --diff prints the changed cells before and after (--at
applies to the scenario, OTHER is taken as built); it exits 0, the report is the answer. --expect exits 1
when a cell differs.

Examples:
  net reach scenarios/kube-proxy-known-failures.yaml
  net reach scenarios/kube-proxy-known-failures.yaml --from pod/client-a --from pod/client-b --to svc/web --nodeports -o json
  net reach scenarios/docker-icc-off.yaml --from 'ctr/*' --to 'ctr/*' -o csv
  net reach scenarios/cluster-deployment.yaml --from ns/shop --to app=web --ports 8080
  net reach scenarios/docker-bridge-published.yaml --diff scenarios/docker-icc-off.yaml --quiet
  net reach scenarios/kube-proxy-nodeport.yaml --from 'host/*' --to 'svc/*' --nodeports --jobs 2
  net reach scenarios/cluster-timeline-readiness.yaml --diff-at not-ready --to 'svc/*'`,
    )
    .action((file: string, o: ReachOpts) => {
      if (o.diff !== undefined && o.diffAt !== undefined) throw new UsageError('give --diff OTHER or --diff-at POINT, not both');
      if (o.expect !== undefined && (o.diff !== undefined || o.diffAt !== undefined)) throw new UsageError('--expect compares one matrix; --diff and --diff-at compare two: give one or the other');
      if (o.ignoreLoopback && o.expect === undefined) throw new UsageError('--ignore-loopback goes with --expect FILE');
      const sc = loadOrFail(file);
      const m = matrixOf(sc, o.at, o, '--at');
      if (o.diff !== undefined || o.diffAt !== undefined) {
        const after = o.diff !== undefined ? matrixOf(loadOrFail(o.diff), undefined, o, '--diff', true) : matrixOf(sc, o.diffAt, o, '--diff-at');
        const d = diffMatrices(m, after);
        out(o.output === 'json' ? renderDiffJson(d) : o.output === 'csv' ? renderDiffCsv(d) : renderDiffTable(d));
        return;
      }
      if (o.expect !== undefined) {
        const c = readExpect(o.expect, m, o);
        if (o.output === 'json') out(renderMatrixJson(m, c));
        else if (o.output === 'csv') out(renderMatrixCsv(m, c));
        else out(`${renderMatrixTable(m, c)}\n\n${renderDifferences(c)}`);
        if (c.differences.length > 0) process.exitCode = 1;
        return;
      }
      out(o.output === 'json' ? renderMatrixJson(m) : o.output === 'csv' ? renderMatrixCsv(m) : renderMatrixTable(m));
    });
}
