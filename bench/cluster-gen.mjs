// Seeded generated clusters for `npm run bench`: N nodes on one L2 underlay (flannel VXLAN, kube-proxy in
// iptables mode on every node), P pods per node in groups of E (one Deployment each, spread by the scheduler),
// and S ClusterIP Services, each selecting one group: E endpoints per Service. Services are named
// svc-00000... so their order in KUBE-SERVICES (sorted by name) is their number.

/** mulberry32: a small seeded PRNG, enough to shuffle which group a Service selects. */
export function seededRandom(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const pad = (i, n = 5) => String(i).padStart(n, '0');

/**
 * A ClusterSpec (the plain objects compileCluster takes). `services` S, `nodes` N, `podsPerNode`,
 * `endpoints` E per Service. Groups: N * podsPerNode / E Deployments of E replicas; Service i selects group
 * i when there are enough groups, else a seeded pick.
 */
export function generateCluster({ services, nodes, podsPerNode, endpoints = 3, seed = 1 }) {
  const rand = seededRandom(seed);
  const groups = Math.max(1, Math.floor((nodes * podsPerNode) / endpoints));
  const nodeSpecs = Array.from({ length: nodes }, (_, i) => ({ name: `node-${pad(i, 4)}`, ip: (0x0a000000 + 10 + i) >>> 0, sysctls: {}, listen: [] }));
  const objects = [];
  const container = { name: 'c', ports: [{ name: 'http', containerPort: 8080, protocol: 'TCP' }, { name: 'dns', containerPort: 5353, protocol: 'UDP' }] };
  for (let g = 0; g < groups; g++) {
    const meta = { name: `app-${pad(g)}`, namespace: 'default', labels: {}, deleting: false };
    const template = { labels: { app: `g${g}` }, spec: { hostNetwork: false, containers: [container] } };
    objects.push({ kind: 'Deployment', meta, replicas: endpoints, selector: { app: `g${g}` }, template });
  }
  const selected = [];
  for (let i = 0; i < services; i++) {
    const g = services <= groups ? i : Math.floor(rand() * groups);
    selected.push(g);
    const meta = { name: `svc-${pad(i)}`, namespace: 'default', labels: {}, deleting: false };
    objects.push({
      kind: 'Service', meta, selector: { app: `g${g}` }, type: 'ClusterIP', publishNotReadyAddresses: false,
      ports: [{ name: 'http', port: 80, protocol: 'TCP', targetPort: 'http' }, { name: 'dns', port: 53, protocol: 'UDP', targetPort: 'dns' }],
    });
  }
  const spec = {
    name: `bench-${services}x${endpoints}-${nodes}n`,
    podCIDR: { addr: 0x0a800000, len: 9 }, // 10.128.0.0/9: room for 32,768 node /24s
    serviceCIDR: { addr: 0xac100000, len: 12 }, // 172.16.0.0/12: room for 10,000+ ClusterIPs
    domain: 'cluster.local',
    network: 'flannel-vxlan', cni: { hairpinMode: true }, flannel: { ipMasq: true },
    underlay: { cidr: { addr: 0x0a000000, len: 16 }, mtu: 1500 },
    nodes: nodeSpecs, externals: [], objects, patches: [],
  };
  return { spec, groups, selected };
}

/**
 * A seeded sample of n (pod, Service) pairs of a compiled cluster, as trace probes: a pod (not host-network)
 * sends UDP to the Service's ClusterIP:53.
 */
export function samplePairs(compiled, seed, n) {
  const pods = compiled.pods.filter((p) => p.netns !== undefined && !p.hostNetwork);
  const rand = seededRandom(seed);
  const out = [];
  for (let i = 0; i < n; i++) {
    const p = pods[Math.floor(rand() * pods.length)];
    const s = compiled.services[Math.floor(rand() * compiled.services.length)];
    out.push({ name: `${p.name}->${s.meta.name}`, from: p.netns, dst: s.clusterIP, dport: 53, proto: 'udp' });
  }
  return out;
}

/** The generated Service number i (`svc-0000i`); names sort as numbers, so S - 1 is last in KUBE-SERVICES. */
export function serviceNumbered(compiled, i) {
  return compiled.services.find((s) => s.meta.name === `svc-${String(i).padStart(5, '0')}`);
}

/** A client pod on a node holding none of these Services' endpoints: a trace to any of them crosses VXLAN. */
export function clientAwayFrom(compiled, services) {
  const names = new Set(services.map((s) => s.meta.name));
  const epNodes = new Set();
  for (const sl of compiled.endpointSlices) if (names.has(sl.serviceName)) for (const ep of sl.endpoints) epNodes.add(ep.nodeName);
  return compiled.pods.find((p) => p.node !== undefined && !epNodes.has(p.node) && !p.hostNetwork);
}
