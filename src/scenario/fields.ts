// The fields a Topology scenario may hold, per object. The loader accepts exactly these; the JSON Schema
// (schema/topology.schema.json) and docs/scenarios.md are tested against them, so the three stay in step.

export const API_VERSION = 'packetwalk/v1';

/** Linux's VXLAN port when `dstport` is not given (the pre-IANA 8472, which flannel uses too). */
export const VXLAN_DEFAULT_DSTPORT = 8472;

export const SCENARIO_FIELDS = {
  topology: ['apiVersion', 'kind', 'metadata', 'description', 'namespaces', 'traces', 'timeline'],
  metadata: ['name'],
  namespace: ['name', 'sysctls', 'links', 'routes', 'rules', 'neigh', 'fdb', 'iptables', 'ipsets', 'listen', 'conntrack'],
  ipset: ['name', 'type', 'members'],
  link: [
    'name', 'type', 'peer', 'addresses', 'mac', 'mtu', 'master', 'hairpin', 'learning', 'up', 'ageingTime',
    // vxlan only, inline as `ip link add ... type vxlan id 1 dstport 8472 local ... dev eth1` writes them.
    'id', 'dstport', 'local', 'remote', 'dev',
  ],
  trace: ['name', 'from', 'to', 'proto', 'src', 'sport', 'ttl', 'df', 'size', 'mark', 'flags', 'uid', 'expect'],
  expect: ['disposition', 'reason', 'deliveredTo', 'peerSeen', 'via', 'icmp', 'rules', 'branches', 'reply', 'dns'],
  deliveredTo: ['netns', 'addr'],
  /** A trace whose `to:` is a DNS name (kind Cluster): what its lookup must show. */
  dnsExpect: ['result', 'answeredName', 'address', 'queries', 'answeredBy', 'rules', 'cache'],
  /** One timeline step: exactly one of trace, run (with netns, and stdin for iptables-restore), sleep, point. */
  timelineStep: ['trace', 'expect', 'netns', 'run', 'stdin', 'sleep', 'point'],
  icmp: ['type', 'from'],
} as const satisfies Record<string, readonly string[]>;

/** A reply's expectations are those of the first leg, without a reply or branches of their own. */
export const REPLY_EXPECT_FIELDS: readonly string[] = SCENARIO_FIELDS.expect.filter((f) => f !== 'reply' && f !== 'branches' && f !== 'dns');

/** Link fields that only a vxlan link may hold. */
export const VXLAN_FIELDS: readonly string[] = ['id', 'dstport', 'local', 'remote', 'dev'];

/** The key that names each kind of timeline step, and the other fields that kind takes. */
export const TIMELINE_STEP_KINDS: Readonly<Record<string, readonly string[]>> = {
  trace: ['expect'],
  run: ['netns', 'stdin'],
  sleep: [],
  point: [],
};

/** The timeline steps only a Cluster scenario has, and the other fields each takes. */
export const CLUSTER_TIMELINE_STEP_KINDS: Readonly<Record<string, readonly string[]>> = {
  kubectl: ['kubeProxy'],
  ready: ['value', 'kubeProxy'],
  addNode: ['kubeProxy'],
  sync: [],
  apply: ['kubeProxy'],
};
