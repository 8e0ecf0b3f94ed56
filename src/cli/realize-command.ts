import type { Command } from 'commander';
import { BASELINE_SYSCTLS, isolationProblem } from '../oracle/environment.js';
import { defaultPrefix, prefixProblem, renderRealizeScript } from '../oracle/realize.js';
import { loadOrFail } from './load.js';
import { argChoice } from './parse-args.js';
import { UsageError } from './usage-error.js';
import { timelineNamespaces, timelineShell } from '../oracle/realize-timeline.js';

interface RealizeOpts {
  prefix?: string;
  dummyAsVeth: boolean;
}

export function registerRealize(program: Command, out: (s: string) => void): void {
  program
    .command('realize')
    .description('print the bash script that builds the scenario\'s world in real network namespaces (and removes it)')
    .argument('<scenario>', 'a scenario file')
    .argument('[action]', 'what the script does when run without an argument: up | down', argChoice('action', ['up', 'down'] as const), 'up')
    .option('--prefix <p>', 'prefix of every namespace name (default: pw- and the initials of the scenario name, e.g. pw-nr- for nat-router)')
    .option('--dummy-as-veth', 'for kernels without the dummy driver: make each dummy a NOARP veth whose peer waits in PREFIX_sink', false)
    .addHelpText(
      'after',
      `
The script is plain bash (set -euo pipefail) with two parts: "up" makes one namespace per scenario
namespace, named PREFIX+NAME, and fills it with ip link/addr/route/rule/neigh, bridge fdb, sysctl,
iptables-restore and, for the scenario's conntrack: lines, conntrack -I (a NATed entry with --dst-nat /
--src-nat), in the order the kernel needs; a failing command removes what was built. "down" deletes
exactly those namespaces, which takes their devices with them. Every veth pair is created with both ends
inside the world: nothing is added to, or routed from, the root namespace. Each namespace first gets the
emulator's device sysctl defaults (net.ipv4.conf.{all,default}.*), which a new namespace would otherwise
copy from the root namespace. Last, "up" starts the scenario's listen sockets, each a small python3
process in its namespace (TCP accepts and closes, UDP echoes), and keeps their PIDs in
/run/packetwalk/PREFIXlisteners.pids; "down" kills exactly those processes before deleting the namespaces.

Running the script needs root, iproute2 (ip, bridge, ss), procps (sysctl) and iptables, python3 when
the scenario has listen sockets, and conntrack (conntrack-tools) when it states conntrack entries.

Examples:
  net realize scenarios/veth-pair.yaml | sudo bash -s up      build it (namespaces pw-vp-a, pw-vp-b)
  sudo ip netns exec pw-vp-a ping -c1 192.168.10.2             look around
  net realize scenarios/veth-pair.yaml | sudo bash -s down    remove it
  net realize scenarios/nat-router.yaml --prefix lab- > lab.sh && sudo bash lab.sh

A scenario with a timeline gets a third action, "timeline": run after "up", it applies the timeline's commands
in order with the same command lines as net verify, sleeps for real, and prints where each trace and point is;
a Cluster change (kubectl scale and the like) is the commands net verify runs for it (new pods' namespaces, ip netns del,
kube-proxy's sync with iptables-restore --noflush), and "down" also deletes the namespaces it may add.
  net realize scenarios/udp-dnat-conntrack-delete.yaml > lab.sh && sudo bash lab.sh up && sudo bash lab.sh timeline`,
    )
    .action((file: string, action: 'up' | 'down', o: RealizeOpts) => {
      const sc = loadOrFail(file);
      const prefix = o.prefix ?? defaultPrefix(sc.world.name);
      const bad = prefixProblem(prefix);
      if (bad !== undefined) throw new UsageError(`--prefix: ${bad}`);
      const isolation = isolationProblem(sc.world);
      if (isolation !== undefined) throw new UsageError(`${file}: cannot be realized in isolation: ${isolation}`);
      const base = { baselineSysctls: BASELINE_SYSCTLS, dummyAsVeth: o.dummyAsVeth };
      const timeline = sc.timeline !== undefined ? timelineShell(sc.timeline, prefix, sc.cluster, base, sc.world) : undefined;
      const alsoDown = sc.timeline !== undefined ? timelineNamespaces(sc.timeline) : [];
      out(renderRealizeScript(sc.world, prefix, { ...base, defaultAction: action, timeline, alsoDown }).trimEnd());
    });
}
