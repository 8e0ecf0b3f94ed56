// A validated scenario: the World it describes plus the traces to run and what they must show.

import type { WorldSpec } from '../kernel/netns/world-spec.js';
import type { ProbeSpec } from '../sim/probe.js';
import type { KubeProxyTiming } from '../cluster/live-kube-proxy.js';
import type { CompiledCluster } from '../cluster/compile.js';
import type { Diagnostic } from './diagnostics.js';
import type { ParsedCommand } from '../kernel/tools/index.js';

export type Proto = ProbeSpec['proto'];

export interface SourceLocation {
  file: string;
  line: number;
  column: number;
}

export interface Scenario {
  file: string;
  kind: 'Topology' | 'Cluster';
  world: WorldSpec;
  /** kind Cluster: the compiled objects (nodes, pods, Services, slices) and which node and pod each namespace is. */
  cluster?: CompiledCluster;
  /** Things skipped but not wrong (Kubernetes kinds that are not modelled), located. */
  warnings?: Diagnostic[];
  traces: TraceSpec[];
  /** Where each trace was written, by index, for messages that point back at the file. */
  traceLocations: SourceLocation[];
  /**
   * Traces that share one World, in order, with changes between them (`timeline:`). Traces it names are run
   * there only, not in `traces`. Absent when the scenario has no timeline.
   */
  timeline?: TimelineStep[];
}

/**
 * One step of a timeline. `kind` is the key that names the step in YAML; a Cluster adds its own kinds
 * (scale, readiness, delete) next to these.
 */
export type TimelineStep =
  /** Send a trace on the timeline's World and check its `expect` here. */
  | { kind: 'trace'; trace: TraceSpec; at: SourceLocation }
  /** A command as its tool takes it, run in one namespace (`ip`, `iptables`, `iptables-restore`, `conntrack`, `sysctl`). */
  | { kind: 'run'; netns: string; command: ParsedCommand; at: SourceLocation }
  /** The virtual clock advances; conntrack, neighbour and fdb entries age. */
  | { kind: 'sleep'; ms: number; text: string; at: SourceLocation }
  /** A named place in the timeline that `net trace --at` and `net show --at` stop at. */
  | { kind: 'point'; name: string; at: SourceLocation }
  /**
   * kind Cluster: a change to the cluster's objects (`kubectl scale|delete`, `ready:`, `addNode:`), compiled
   * at load time; the live World is reconciled to `cluster.world`, keeping the dynamic state of namespaces
   * that remain (src/kernel/netns/reconcile-world.ts), and each node's kube-proxy syncs the change into its
   * live rules (src/cluster/live-kube-proxy.ts): at once (`now`), not yet (`later`, the step's
   * `kubeProxy: later`), or, for a `sync: kube-proxy` step (`only`), no object changes and the waiting
   * syncs run. `before`: the cluster as the previous step left it.
   */
  | { kind: 'cluster'; text: string; cluster: CompiledCluster; before: CompiledCluster; kubeProxy: KubeProxyTiming; at: SourceLocation };

/** One trace of a scenario: the packet to send (a ProbeSpec), its name and what it must show. */
export interface TraceSpec extends ProbeSpec {
  name: string;
  expect?: ExpectSpec;
  /**
   * kind Cluster: the destination as a DNS name (`web.prod`); the source's resolver looks it up first, each
   * query traced (src/dns/named-trace.ts), and `dst` is then the address found (0 until it is).
   */
  toName?: string;
}

export interface ExpectSpec {
  disposition?: string;
  reason?: string;
  deliveredTo?: { netns?: string; addr?: string };
  /** Source the receiver sees: "A.B.C.D" or "A.B.C.D:PORT". */
  peerSeen?: string;
  /** Each entry must appear in some hop: a device ("dev eth0", "router/eth1"), a stage, or "vxlan". */
  via?: string[];
  /** For ICMP errors in the trace: type name ("time-exceeded", "frag-needed", ...) and the sender. */
  icmp?: { type?: string; from?: string };
  /** Rules (as iptables-save prints them) that must have matched on the way. */
  rules?: string[];
  /** With random rules: the destinations after NAT ("IP:PORT") of every branch, as a set. */
  branches?: string[];
  reply?: ExpectSpec;
  /** A destination given by name: the lookup's outcome (src/dns/named-trace.ts). */
  dns?: DnsExpect;
}

export interface DnsExpect {
  /** getaddrinfo's outcome: found, HOST_NOT_FOUND, NO_DATA, TRY_AGAIN, NO_RECOVERY. */
  result?: string;
  /** The search-list candidate that answered, as queried ("web.prod.svc.cluster.local."). */
  answeredName?: string;
  /** The address the connection went to. */
  address?: string;
  /** How many queries the resolver sent. */
  queries?: number;
  /** Each entry (a pod "NS/NAME" or a namespace) answered some query. */
  answeredBy?: string[];
  /** Rules (as iptables-save prints them) each of which some query matched on its way (NOTRACK, a DROP...). */
  rules?: string[];
  /** NodeLocal DNSCache: `hit` (every query answered from the cache) or `miss` (every query forwarded). */
  cache?: 'hit' | 'miss';
}
