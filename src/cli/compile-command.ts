import type { Command } from 'commander';
import { renderTopologyYaml } from '../cluster/render-topology.js';
import type { TopologyTrace } from '../cluster/render-topology.js';
import type { TraceSpec } from '../scenario/model.js';
import { formatIpv4 } from '../wire/ipv4-addr.js';
import { loadOrFail } from './load.js';

/** A trace with its endpoints resolved, in the Topology's own syntax. */
export function topologyTrace(t: TraceSpec): TopologyTrace {
  const out: TopologyTrace = {
    name: t.name,
    from: t.from,
    to: t.dport === undefined ? formatIpv4(t.dst) : `${formatIpv4(t.dst)}:${t.dport}`,
    proto: t.proto,
  };
  if (t.src !== undefined) out.src = formatIpv4(t.src);
  for (const k of ['sport', 'ttl', 'df', 'size', 'mark', 'flags', 'uid'] as const) if (t[k] !== undefined) out[k] = t[k];
  if (t.expect !== undefined) out.expect = t.expect;
  return out;
}

export function registerCompile(program: Command, out: (s: string) => void): void {
  program
    .command('compile')
    .description('print the Topology a scenario compiles to (a Cluster\'s nodes, pods and rules as namespaces)')
    .argument('<scenario>', 'a scenario file (kind Cluster or Topology)')
    .addHelpText(
      'after',
      `
The output is a valid kind: Topology scenario: save it and it loads, traces and verifies the same. Pods,
nodes and external hosts become namespaces; the underlay is the namespace "underlay" with a bridge br0.
Traces to a DNS name need the cluster's resolver: they are left out, each named on stderr.

Example:
  net compile scenarios/cluster-flannel-vxlan.yaml > compiled.yaml && net run compiled.yaml`,
    )
    .action((file: string) => {
      const sc = loadOrFail(file);
      // A trace to a DNS name is answered by the cluster's resolver, which a Topology does not have: it is left
      // out, and said so, rather than written with an address nobody looked up.
      const named = sc.traces.filter((t) => t.toName !== undefined);
      for (const t of named) process.stderr.write(`net compile: ${file}: trace "${t.name}" goes to the DNS name ${t.toName}, which a Topology cannot resolve (it has no cluster DNS): left out\n`);
      const kept = sc.traces.filter((t) => t.toName === undefined);
      const header = `Compiled from ${file} (kind ${sc.kind}) by net compile.${named.length > 0 ? ` ${named.length} trace${named.length === 1 ? '' : 's'} to DNS names left out.` : ''}`;
      out(renderTopologyYaml(sc.world, kept.map(topologyTrace), header).replace(/\n$/, ''));
    });
}
