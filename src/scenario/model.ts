// A validated scenario: the World it describes plus the traces to run and what they must show.

import type { WorldSpec } from '../kernel/netns/world-spec.js';
import type { ProbeSpec } from '../sim/probe.js';
import type { CompiledCluster } from '../cluster/compile.js';
import type { Diagnostic } from './diagnostics.js';

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
}

/** One trace of a scenario: the packet to send (a ProbeSpec), its name and what it must show. */
export interface TraceSpec extends ProbeSpec {
  name: string;
  expect?: ExpectSpec;
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
}
