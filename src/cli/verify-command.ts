import type { Command } from 'commander';
import { performance } from 'node:perf_hooks';
import type { Scenario } from '../scenario/model.js';
import { kernelHasDummy, kernelUnavailable, netnsWithPrefix, runSync } from '../oracle/environment.js';
import { defaultPrefix, prefixProblem } from '../oracle/realize.js';
import { VerifySession, verifyScenario } from '../oracle/verify.js';
import { verifyTimeline } from '../oracle/verify-timeline.js';
import type { VerifyRow } from '../oracle/verify.js';
import { allAgree, renderVerifyJson, renderVerifyTable, resultText } from '../oracle/verify-report.js';
import { loadOrFail } from './load.js';
import { argInt } from './parse-args.js';
import { UsageError } from './usage-error.js';

interface VerifyOpts {
  keep: boolean;
  json: boolean;
  prefix?: string;
  name?: string;
  seed: number;
  jobs: number;
  ruleTrace: boolean;
}

/**
 * A test hook, deliberately left out of --help: the emulator runs the world of this scenario file instead of
 * the one the kernel builds, so that test/kernel/verify-fails.test.ts can prove a difference is reported.
 */
const EMULATOR_SCENARIO_ENV = 'PACKETWALK_VERIFY_EMULATOR_SCENARIO';

export function registerVerify(program: Command, out: (s: string) => void): void {
  program
    .command('verify')
    .description('build the scenario in real network namespaces, run each trace for real and compare with the emulator')
    .argument('<scenario>', 'a scenario file (kind: Topology or Cluster)')
    .option('--keep', 'leave each trace\'s namespaces up afterwards, and print how to remove them', false)
    .option('--json', 'print the rows as JSON (schema packetwalk.verify/v1) instead of the table', false)
    .option('--prefix <p>', 'prefix of this run\'s namespaces; trace N is built as PREFIX+N-+NAME (default: pw- and the scenario\'s initials)')
    .option('--name <trace>', 'only the trace with this name')
    .option('--seed <n>', 'seed for the emulator\'s random choices', argInt('--seed', 0, 2 ** 32 - 1), 1)
    .option('--rule-trace', 'also trace every rule in the kernel (nft monitor trace) and compare with the emulator\'s rule hops', false)
    .option('--jobs <n>', 'traces verified at once, each in its own namespaces', argInt('--jobs', 1, 16), 2)
    .addHelpText(
      'after',
      `
For every trace, a fresh copy of the world is built with the commands of net realize, the scenario's
listen sockets are opened, and one real packet is sent from the trace's namespace: a TCP connect, a UDP
datagram on a connected socket, or ping, with tcpdump watching for ICMP errors. What the kernel did (which
namespace's listener got it and the peer address it saw, a refusal, a timeout, an ICMP error and its
sender) is compared with the emulator's trace, as is "ip route get"; in namespaces with iptables rules the
connections "conntrack -L" lists afterwards are compared by their tuples (not timeouts, states, marks, use
counts, or the port a NAT picked). Two kinds of port the kernel draws at random are compared as "*" and
listed under the table with the reason: the outer UDP source port of a VXLAN flow (udp_flow_src_port(), a
hash seeded per boot) and the port a --random-fully source NAT picks (the peer's address is still
compared); any other port must agree. With --rule-trace, those namespaces also get an nft table of ours that
sets nftrace on every IPv4 packet, "nft -a monitor" prints each rule the first packet matched and each
policy it took, and the sequence (named by iptables-save line) is compared with the emulator's rule hops;
the first step where they part is shown, and the trace differs in "rules". Then the namespaces are deleted, also on failure, Ctrl-C or SIGTERM.

A scenario with a timeline is verified on one real World after its own traces: the namespaces are built once,
each step runs in order (a "run" step's command inside its namespace, exactly as written; "sleep" sleeps for
real), and each trace is probed at its place and compared with the emulator's trace there. A command whose
exit status differs from the emulator's (one side fails, the other not) is a difference. A Cluster change
(kubectl scale, kubectl delete pod|endpointslice|networkpolicy, kubectl label, apply:, ready:, addNode:,
sync: kube-proxy) is done to the real namespaces as the components would: new pods' (and nodes') namespaces
built, deleted pods' removed with ip netns del, policy ipsets changed (ipset add/del/create/destroy), and on
each node the exact text the emulator's kube-proxy applied at that step fed to iptables-restore --noflush
(nothing while it has not synced: kubeProxy: later), nothing flushed, so conntrack entries stay, then its
conntrack clean-up as conntrack -D of the entries the emulator deleted; its row compares the namespaces each
side has then, and the synced nodes' chains and rule counts (iptables-save) with the new compile.

A trace whose destination is a DNS name is not probed (the lookup is the emulator's own resolver; the DNS
exchange is checked against the kernel by test/kernel/dns-agreement.test.ts).

A trace with TCP flags other than a lone SYN (flags: A, R, FA...) is sent as one crafted segment from a raw
socket (python3): a RST back is a refusal, another segment a delivery, nothing a timeout. A segment that
continues the connection of an earlier trace of a timeline is not probed: the kernel's sequence numbers are
its own.

Needs root (network namespaces), iproute2, iptables, conntrack, tcpdump, ping and coreutils timeout;
nft (nftables) for --rule-trace.
Only namespaces named with this run's prefix are made or deleted, and it refuses to start when some
already exist. Nothing is added to, or routed from, the root namespace. Every wait is bounded.

Exit status: 0 when every trace agrees, 1 when one differs, 2 on bad input or when it cannot run here.

Examples:
  sudo net verify scenarios/nat-router.yaml
  sudo net verify scenarios/veth-pair.yaml --name "a pings b" --json
  sudo net verify scenarios/nat-router.yaml --rule-trace
  sudo net verify scenarios/bridge-hairpin.yaml --keep          then look with: sudo ip netns list
  sudo net verify scenarios/cluster-timeline-scale.yaml          a Cluster timeline, step by step`,
    )
    .action((file: string, o: VerifyOpts) => {
      const kernelSc = loadOrFail(file);
      const hook = process.env[EMULATOR_SCENARIO_ENV];
      const emulatorSc: Scenario = hook !== undefined && hook !== '' ? loadOrFail(hook) : kernelSc;
      const prefix = o.prefix ?? defaultPrefix(kernelSc.world.name);
      const bad = prefixProblem(prefix);
      if (bad !== undefined) throw new UsageError(`--prefix: ${bad}`);
      const traces = o.name === undefined ? kernelSc.traces : kernelSc.traces.filter((t) => t.name === o.name);
      if (o.name !== undefined && traces.length === 0) {
        throw new UsageError(`--name: no trace "${o.name}" in ${file} (traces: ${kernelSc.traces.map((t) => JSON.stringify(t.name)).join(', ')})`);
      }
      if (traces.length === 0 && kernelSc.timeline === undefined) throw new UsageError(`${file} has no traces to verify`);
      const existing = netnsWithPrefix(prefix);
      if (existing.length > 0) {
        throw new UsageError(`namespaces with prefix "${prefix}" exist already (${existing.join(', ')}): from an earlier --keep? `
          + `Remove them (ip netns del NAME) or choose another --prefix`);
      }
      const unavailable = kernelUnavailable(`${prefix}probe`);
      if (unavailable !== undefined) throw new UsageError(`net verify needs root and iproute2, iptables, conntrack, tcpdump and ping: ${unavailable}`);
      if (o.ruleTrace && runSync('nft', ['--version'], 5000).code !== 0) throw new UsageError('--rule-trace needs nft (nftables)');
      const hasDummy = kernelHasDummy(`${prefix}dummy`);
      const emulatorSpec = emulatorSc.world;
      void run({ file, kernelSc, emulatorSpec, traces, prefix, hasDummy, o, out });
    });
}

interface RunArgs {
  file: string;
  kernelSc: Scenario;
  emulatorSpec: Scenario['world'];
  traces: Scenario['traces'];
  prefix: string;
  hasDummy: boolean;
  o: VerifyOpts;
  out: (s: string) => void;
}

/** The asynchronous part: its own errors end in exit 2 with a message, after the teardown. */
async function run(a: RunArgs): Promise<void> {
  const session = new VerifySession();
  const onSignal = (sig: NodeJS.Signals): void => {
    process.stderr.write(`net verify: ${sig}: ending probes and deleting namespaces ${a.prefix}*\n`);
    session.teardownSync();
    process.exit(sig === 'SIGINT' ? 130 : 143);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const t0 = performance.now();
  let done = 0;
  const timelineTraces = a.o.name === undefined ? (a.kernelSc.timeline ?? []).filter((s) => s.kind === 'trace' || s.kind === 'cluster').length : 0;
  const total = a.traces.length + timelineTraces;
  const progress = (r: VerifyRow): void => {
    done++;
    process.stderr.write(`[${done}/${total}] ${r.trace}: ${resultText(r)} (${(r.ms / 1000).toFixed(1)} s)\n`);
  };
  try {
    const options = { prefix: a.prefix, session, hasDummy: a.hasDummy, seed: a.o.seed, concurrency: a.o.jobs, keep: a.o.keep, ruleTrace: a.o.ruleTrace, onRow: progress };
    const rows = a.traces.length === 0 ? [] : await verifyScenario(
      {
        file: a.file, kernelSpec: a.kernelSc.world, emulatorSpec: a.emulatorSpec, traces: a.traces,
        indices: a.traces.map((t) => a.kernelSc.traces.indexOf(t)),
        ...(a.kernelSc.cluster !== undefined ? { cluster: a.kernelSc.cluster } : {}),
      },
      options,
    );
    // The timeline (all of it, or none with --name): one real World, the steps in order, sleeps for real.
    if (a.kernelSc.timeline !== undefined && a.o.name === undefined) {
      const timeline = { file: a.file, spec: a.kernelSc.world, steps: a.kernelSc.timeline, ...(a.kernelSc.cluster !== undefined ? { cluster: a.kernelSc.cluster } : {}) };
      for (const r of await verifyTimeline(timeline, options)) rows.push(r);
    }
    a.out(a.o.json ? renderVerifyJson(rows) : renderVerifyTable(rows));
    process.stderr.write(`${((performance.now() - t0) / 1000).toFixed(1)} s\n`);
    if (a.o.keep) reportKept(session);
    else if (!cleanedUp(a.prefix)) {
      process.exitCode = 2;
      return;
    }
    process.exitCode = allAgree(rows) ? 0 : 1;
  } catch (e) {
    session.teardownSync();
    process.stderr.write(`net verify: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exitCode = 2;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

/** `ip netns list` must show none of this run's namespaces; any left are deleted and named. */
function cleanedUp(prefix: string): boolean {
  const left = netnsWithPrefix(prefix);
  if (left.length === 0) return true;
  for (const n of left) runSync('ip', ['netns', 'del', n], 10_000);
  process.stderr.write(`net verify: teardown left ${left.join(', ')}; deleted them now\n`);
  return false;
}

function reportKept(session: VerifySession): void {
  const lines = ['', 'kept (listeners stopped); remove with:'];
  for (const down of session.kept.values()) lines.push(`  ${down.join('; ')}`);
  process.stderr.write(`${lines.join('\n')}\n`);
}
