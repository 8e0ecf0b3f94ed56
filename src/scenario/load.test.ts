import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import type { WorldSpec } from '../kernel/netns/world-spec.js';
import { parseIpv4 } from '../wire/ipv4-addr.js';
import { formatDiagnostic } from './diagnostics.js';
import { collectScenarioFiles, loadScenarioFile, loadScenarioText } from './load.js';
import type { TraceSpec } from './model.js';

const ip = (s: string) => parseIpv4(s)!;

const TEXT = `apiVersion: packetwalk/v1
kind: Topology
metadata: {name: lab}
description: a node, a pod and a vxlan
namespaces:
  - name: node
    sysctls: {net.ipv4.ip_forward: 1, net.ipv4.conf.cni0.rp_filter: 2}
    links:
      - {name: eth0, type: dummy, addresses: [192.168.56.11/24], mtu: 1500}
      - {name: cni0, type: bridge, addresses: ["10.244.0.1/24", "127.0.0.2/8", "10.9.9.9/32 scope link"], ageingTime: 30, mac: "02:AA:00:00:00:01"}
      - {name: veth0, type: veth, peer: pod/eth0, master: cni0, hairpin: true, learning: false, up: true}
      - {name: vx0, type: vxlan, id: 7, local: 192.168.56.11, dev: eth0}
    routes:
      - default via 192.168.56.1 metric 10
      - local 10.244.0.50 dev cni0
      - 10.96.0.0/12 dev cni0 table 100 proto static
    rules: ["from 10.244.0.0/24 lookup 100 pref 10", "fwmark 0x1/0x1 prohibit"]
    neigh: ["10.244.0.2 lladdr 02:00:00:00:00:02 dev cni0"]
    fdb: ["02:00:00:00:00:02 dev veth0", "00:00:00:00:00:00 dev vx0 dst 192.168.56.12"]
    iptables: |
      *filter
      COMMIT
    listen: [tcp/10250, udp/192.168.56.11:53]
  - name: pod
    links:
      - {name: eth0, type: veth, peer: node/veth0, addresses: [10.244.0.2/24]}
    routes: ["default via 10.244.0.1 dev eth0"]
traces:
  - {from: pod, to: 192.168.56.11:10250}
  - name: dns
    from: pod
    to: 192.168.56.11:53
    proto: udp
    src: 10.244.0.2
    sport: 5353
    ttl: 2
    df: false
    size: 40
    mark: 0x10
    expect:
      disposition: DELIVERED
      deliveredTo: {netns: node, addr: 192.168.56.11:53}
      peerSeen: 10.244.0.2:5353
      via: [veth0]
      reply: {disposition: DELIVERED, icmp: {type: none}}
`;

const WORLD: WorldSpec = {
  name: 'lab',
  namespaces: [
    {
      name: 'node',
      sysctls: { 'net.ipv4.ip_forward': 1, 'net.ipv4.conf.cni0.rp_filter': 2 },
      links: [
        { name: 'eth0', type: 'dummy', addresses: [{ addr: ip('192.168.56.11'), len: 24, scope: 'global' }], mtu: 1500 },
        {
          name: 'cni0',
          type: 'bridge',
          addresses: [
            { addr: ip('10.244.0.1'), len: 24, scope: 'global' },
            { addr: ip('127.0.0.2'), len: 8, scope: 'host' },
            { addr: ip('10.9.9.9'), len: 32, scope: 'link' },
          ],
          ageingTime: 30,
          mac: '02:aa:00:00:00:01',
        },
        {
          name: 'veth0', type: 'veth', addresses: [], peer: { netns: 'pod', dev: 'eth0' }, master: 'cni0',
          hairpin: true, learning: false, up: true,
        },
        {
          name: 'vx0', type: 'vxlan', addresses: [],
          vxlan: { id: 7, dstport: 8472, learning: true, local: ip('192.168.56.11'), dev: 'eth0' },
        },
      ],
      routes: [
        {
          text: 'default via 192.168.56.1 metric 10', type: 'unicast', dst: { addr: 0, len: 0 }, table: 254,
          via: ip('192.168.56.1'), metric: 10, scope: 'global', onlink: false,
        },
        {
          text: 'local 10.244.0.50 dev cni0', type: 'local', dst: { addr: ip('10.244.0.50'), len: 32 }, table: 255,
          dev: 'cni0', metric: 0, scope: 'host', onlink: false,
        },
        {
          text: '10.96.0.0/12 dev cni0 table 100 proto static', type: 'unicast', dst: { addr: ip('10.96.0.0'), len: 12 },
          table: 100, dev: 'cni0', metric: 0, scope: 'link', onlink: false, proto: 'static',
        },
      ],
      rules: [
        {
          text: 'from 10.244.0.0/24 lookup 100 pref 10', not: false, from: { addr: ip('10.244.0.0'), len: 24 },
          priority: 10, action: 'lookup', table: 100,
        },
        { text: 'fwmark 0x1/0x1 prohibit', not: false, fwmark: { value: 1, mask: 1 }, action: 'prohibit' },
      ],
      neigh: [{ text: '10.244.0.2 lladdr 02:00:00:00:00:02 dev cni0', addr: ip('10.244.0.2'), lladdr: '02:00:00:00:00:02', dev: 'cni0', nud: 'permanent' }],
      fdb: [
        // A bridge port's entry without self/master goes to its bridge.
        { text: '02:00:00:00:00:02 dev veth0', mac: '02:00:00:00:00:02', dev: 'veth0', self: false, permanent: true },
        {
          text: '00:00:00:00:00:00 dev vx0 dst 192.168.56.12', mac: '00:00:00:00:00:00', dev: 'vx0', dst: ip('192.168.56.12'),
          self: true, permanent: true,
        },
      ],
      iptables: '*filter\nCOMMIT\n',
      listen: [
        { proto: 'tcp', port: 10250, addr: 0 },
        { proto: 'udp', port: 53, addr: ip('192.168.56.11') },
      ],
    },
    {
      name: 'pod',
      sysctls: {},
      links: [{ name: 'eth0', type: 'veth', addresses: [{ addr: ip('10.244.0.2'), len: 24, scope: 'global' }], peer: { netns: 'node', dev: 'veth0' } }],
      routes: [
        {
          text: 'default via 10.244.0.1 dev eth0', type: 'unicast', dst: { addr: 0, len: 0 }, table: 254, via: ip('10.244.0.1'),
          dev: 'eth0', metric: 0, scope: 'global', onlink: false,
        },
      ],
      rules: [],
      neigh: [],
      fdb: [],
      listen: [],
    },
  ],
};

const TRACES: TraceSpec[] = [
  { name: 'pod -> 192.168.56.11:10250/tcp', from: 'pod', dst: ip('192.168.56.11'), proto: 'tcp', dport: 10250 },
  {
    name: 'dns', from: 'pod', dst: ip('192.168.56.11'), proto: 'udp', dport: 53, src: ip('10.244.0.2'), sport: 5353, ttl: 2,
    df: false, size: 40, mark: 16,
    expect: {
      disposition: 'DELIVERED',
      deliveredTo: { netns: 'node', addr: '192.168.56.11:53' },
      peerSeen: '10.244.0.2:5353',
      via: ['veth0'],
      reply: { disposition: 'DELIVERED', icmp: { type: 'none' } },
    },
  },
];

describe('loadScenarioText', () => {
  it('turns a valid Topology into the exact WorldSpec and traces', () => {
    const r = loadScenarioText(TEXT, 'lab.yaml');
    if (!r.ok) throw new Error(r.diagnostics.map(formatDiagnostic).join('\n'));
    expect(r.scenario).toEqual({
      file: 'lab.yaml',
      kind: 'Topology',
      world: WORLD,
      traces: TRACES,
      traceLocations: [
        { file: 'lab.yaml', line: 29, column: 5 },
        { file: 'lab.yaml', line: 30, column: 5 },
      ],
    });
  });

  it('reports every problem at once, in file order', () => {
    const text = TEXT.replace('mtu: 1500', 'mtu: 15').replace('lookup 100 pref 10', 'lookup 100 pref x').replace('proto: udp', 'proto: tpc');
    const r = loadScenarioText(text, 'lab.yaml');
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.diagnostics.map(formatDiagnostic)).toEqual([
      'lab.yaml:9:71: error: link "eth0": mtu: 15 is out of range (68..65535)',
      'lab.yaml:17:49: error: namespace "node": rules[0]: "x" is not a rule priority (0..4294967295)',
      'lab.yaml:33:12: error: trace "dns": proto: "tpc" is not one of tcp, udp, icmp, sctp (did you mean "tcp"?)',
    ]);
  });

  it('points into a quoted string at the offending word', () => {
    const r = loadScenarioText(TEXT.replace('["default via 10.244.0.1 dev eth0"]', '["default via 10.244.0.1 dev eth9"]'), 'lab.yaml');
    expect(r.ok ? [] : r.diagnostics.map(formatDiagnostic)).toEqual([
      'lab.yaml:27:42: error: namespace "pod": routes[0]: no device "eth9" in namespace "pod" (did you mean "eth0"?)',
    ]);
  });

  it('reads kind Cluster with its own fields (src/scenario/read-cluster.ts)', () => {
    const r = loadScenarioText('apiVersion: packetwalk/v1\nkind: Cluster\ncluster: {podCIDR: 10.244.0.0/16}\n', 'c.yaml');
    expect(r.ok ? [] : r.diagnostics.map(formatDiagnostic)).toEqual([
      'c.yaml:1:1: error: scenario: missing required field "metadata"',
      'c.yaml:1:1: error: scenario: missing required field "underlay"',
      'c.yaml:1:1: error: scenario: missing required field "nodes"',
      'c.yaml:3:10: error: cluster: missing required field "network"',
    ]);
  });

  it('reports YAML syntax errors as diagnostics', () => {
    const r = loadScenarioText('apiVersion: packetwalk/v1\nkind: [Topology\n', 'y.yaml');
    expect(r.ok).toBe(false);
    expect(r.ok ? [] : r.diagnostics.every((d) => d.file === 'y.yaml' && d.message.startsWith('YAML: '))).toBe(true);
  });
});

describe('loadScenarioFile', () => {
  it('loads the valid fixtures', () => {
    for (const file of collectScenarioFiles([fileURLToPath(new URL('./testdata/', import.meta.url))])) {
      const r = loadScenarioFile(file);
      expect(r.ok ? [] : r.diagnostics.map(formatDiagnostic)).toEqual([]);
    }
  });

  it('reports a missing file as a diagnostic', () => {
    expect(loadScenarioFile('/nonexistent/x.yaml')).toEqual({
      ok: false,
      diagnostics: [{ file: '/nonexistent/x.yaml', line: 1, column: 1, message: 'cannot read scenario: no such file' }],
    });
  });
});

describe('collectScenarioFiles', () => {
  const dir = mkdtempSync(join(tmpdir(), 'packetwalk-scenarios-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('expands directories to their sorted *.yaml and *.yml files and keeps other paths', () => {
    for (const name of ['b.yaml', 'a.yml', 'C.yaml', 'notes.txt']) writeFileSync(join(dir, name), '');
    mkdirSync(join(dir, 'sub.yaml'));
    expect(collectScenarioFiles(['x.yaml', dir])).toEqual(['x.yaml', join(dir, 'C.yaml'), join(dir, 'a.yml'), join(dir, 'b.yaml')]);
  });
});

describe('formatDiagnostic', () => {
  it('prints file:line:col: error: message', () => {
    expect(formatDiagnostic({ file: 'a.yaml', line: 3, column: 7, message: 'boom' })).toBe('a.yaml:3:7: error: boom');
  });
});

describe('loadScenarioText: what the YAML library says, in the file\'s terms', () => {
  it('reports nesting too deep for the parser once, on its line, without speaking of the call stack', () => {
    const text = `apiVersion: packetwalk/v1\nkind: Topology\nmetadata: {name: deep}\nnamespaces:\n  - name: a\n    routes: ${'['.repeat(3000)}${']'.repeat(3000)}\n`;
    const r = loadScenarioText(text, 'deep.yaml');
    expect(r.ok).toBe(false);
    const d = r.ok ? [] : r.diagnostics;
    expect(d).toHaveLength(1);
    expect(d[0]).toMatchObject({ line: 6, message: expect.stringContaining('nesting too deep') });
    expect(d[0].message).not.toMatch(/call stack/i);
  });

  it('reads a UTF-16 file as an encoding error, not as mojibake', () => {
    const dir = mkdtempSync(join(tmpdir(), 'pw-enc-'));
    try {
      const file = join(dir, 'utf16.yaml');
      writeFileSync(file, Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('apiVersion: packetwalk/v1\n', 'utf16le')]));
      const r = loadScenarioFile(file);
      expect(r.ok).toBe(false);
      expect(r.ok ? [] : r.diagnostics).toEqual([{ file, line: 1, column: 1, message: expect.stringContaining('the file is UTF-16LE') }]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('loadScenarioText: a trace sent to a namespace by name', () => {
  it('takes the namespace\'s first address that is not loopback, as net trace --to does', () => {
    const text = `apiVersion: packetwalk/v1
kind: Topology
metadata: {name: to-netns}
namespaces:
  - name: a
    links: [{name: eth0, type: veth, peer: b/eth0, addresses: [10.0.0.1/24]}]
  - name: b
    links:
      - {name: d0, type: dummy, addresses: [127.0.0.2/8]}
      - {name: eth0, type: veth, peer: a/eth0, addresses: [10.0.0.2/24]}
traces:
  - {from: a, to: b:80}
  - {from: a, to: b, proto: icmp}
`;
    const r = loadScenarioText(text, 'to.yaml');
    if (!r.ok) throw new Error(r.diagnostics.map(formatDiagnostic).join('\n'));
    expect(r.scenario.traces.map((t) => [t.dst, t.dport])).toEqual([[parseIpv4('10.0.0.2'), 80], [parseIpv4('10.0.0.2'), undefined]]);
    expect(r.scenario.traces[0].name).toBe('a -> b:80/tcp');
  });
});
