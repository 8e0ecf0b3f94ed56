// kube-proxy wired into a Cluster: Services reached by name, traces that name the Service and the pod behind
// each KUBE-* chain, the node's whole ruleset with flannel's rules kept.

import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { restore } from '../src/kernel/netfilter/index.js';
import { annotateTrace, chainTexts } from '../src/cluster/annotate-trace.js';
import { resolveEndpoint } from '../src/cluster/endpoints.js';
import { loadScenarioFile, loadScenarioText } from '../src/scenario/load.js';
import { runTrace } from '../src/trace/index.js';
import { formatIpv4 } from '../src/wire/ipv4-addr.js';

const loaded = loadScenarioFile('scenarios/two-node-service.yaml');
if (!loaded.ok) throw new Error('the shipped scenario loads');
const sc = loaded.scenario;
const c = sc.cluster!;

describe('Services in a Cluster', () => {
  it('resolves svc/NAME[.NS][:PORT] to the ClusterIP and the port by number or name', () => {
    const r = (t: string) => {
      const x = resolveEndpoint(c, t);
      return x.ok ? `${formatIpv4(x.value.addr)}${x.value.port === undefined ? '' : `:${x.value.port}`}` : `error: ${x.error}`;
    };
    expect(r('svc/web')).toBe('10.96.0.10:80');
    expect(r('svc/web:80')).toBe('10.96.0.10:80');
    expect(r('svc/web.default:http')).toBe('10.96.0.10:80');
    expect(r('svc/web:81')).toMatch(/^error: service "default\/web" has no port "81" \(ports: 80 \(http\)\)/);
    expect(r('svc/nope')).toMatch(/^error: no service "nope"/);
    expect(r('svc/web.other')).toMatch(/^error: no service "web" in namespace other/);
  });

  it('keeps flannel\'s rules and adds kube-proxy\'s on every node', () => {
    for (const n of ['node-a', 'node-b']) {
      const text = c.world.namespaces.find((x) => x.name === n)!.iptables!;
      expect(text).toContain('-A FORWARD -m comment --comment "flanneld forward" -j FLANNEL-FWD');
      expect(text).toContain('-A PREROUTING -m comment --comment "kubernetes service portals" -j KUBE-SERVICES');
      // As kube-proxy writes it (iptables-save would print the matches in its own order).
      expect(text).toMatch(/^-A KUBE-SERVICES .*"default\/web:http cluster IP".* -d 10\.96\.0\.10(\/32)? --dport 80 -j KUBE-SVC-CDGGSHYLG3RE2FKL$/m);
      expect(text).toMatch(/^-A KUBE-SVC-CDGGSHYLG3RE2FKL .*-j KUBE-SEP-[A-Z2-7]{16}$/m);
    }
  });

  it('names the Service port and the pod of each KUBE-* chain a hop mentions', () => {
    const trace = annotateTrace(runTrace(sc.world, sc.traces[0], { seed: 1 }), c.owners, chainTexts(c));
    expect(trace.disposition).toBe('DELIVERED');
    expect(trace.deliveredTo?.pod).toBe('default/web-0');
    const dnat = trace.hops.find((h) => h.detail.includes('-j DNAT'));
    expect(dnat?.detail).toMatch(/\(KUBE-SEP-[A-Z2-7]{16} = default\/web:http -> 10\.244\.1\.2:8080 \(pod default\/web-0\)\)$/);
    expect(trace.reply?.deliveredTo?.peerSeen).toBe('10.96.0.10:80');
    // The detailed rule walk keeps the rules as printed: `expect.rules` is checked against it.
    const walk = trace.hops.flatMap((h) => h.facts ?? []).find((f) => f.includes('-j KUBE-SVC-CDGGSHYLG3RE2FKL'));
    expect(walk).toMatch(/-j KUBE-SVC-CDGGSHYLG3RE2FKL$/);
  });

  it('net show node/NAME iptables prints the whole ruleset as iptables-save does, kube-proxy\'s rules in', () => {
    const r = spawnSync(process.execPath, ['dist/cli/main.js', 'show', 'scenarios/two-node-service.yaml', 'node/node-a', 'iptables'], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    const lines = r.stdout.split('\n');
    expect(lines).toContain('-A KUBE-SERVICES -d 10.96.0.10/32 -p tcp -m comment --comment "default/web:http cluster IP" -m tcp --dport 80 -j KUBE-SVC-CDGGSHYLG3RE2FKL');
    expect(lines).toContain('-A KUBE-MARK-MASQ -j MARK --set-xmark 0x4000/0x4000');
    expect(lines).toContain(':KUBE-PROXY-CANARY - [0:0]');
    expect(lines).toContain('-A FORWARD -m comment --comment "flanneld forward" -j FLANNEL-FWD');
    // kube-proxy's jumps sit above flannel's in FORWARD, as `iptables -I FORWARD 1` leaves them.
    const fwd = lines.filter((l) => l.startsWith('-A FORWARD '));
    expect(fwd.at(-1)).toBe('-A FORWARD -m comment --comment "flanneld forward" -j FLANNEL-FWD');
    expect(restore(r.stdout).errors).toEqual([]);
  });
});

describe('kube-proxy and LoadBalancer input mistakes', () => {
  const base = (extra: string) => `apiVersion: packetwalk/v1
kind: Cluster
metadata: {name: bad}
cluster: {podCIDR: 10.244.0.0/16, network: flannel-vxlan}
underlay: {cidr: 192.168.56.0/24}
nodes: [{name: node-a, ip: 192.168.56.11}]
${extra}`;
  const errors = (text: string): string[] => {
    const r = loadScenarioText(text, 'bad.yaml');
    return r.ok ? [] : r.diagnostics.map((d) => `${d.line}:${d.column} ${d.message}`);
  };

  it('points at an LB naming a Service that is not of type LoadBalancer', () => {
    expect(errors(base(`externals:
  - {name: lb, ip: 192.168.56.200, loadBalancer: {vips: [192.168.56.250], service: web}}
objects:
  - {apiVersion: v1, kind: Service, metadata: {name: web}, spec: {ports: [{port: 80}]}}
`))).toEqual(['8:5 external "lb": loadBalancer: service "web" is not of type LoadBalancer']);
  });

  it('points at an unknown LB mode and a NodePort outside the range', () => {
    expect(errors(base(`externals:
  - {name: lb, ip: 192.168.56.200, loadBalancer: {vips: [192.168.56.250], service: web, mode: dsr}}
`))[0]).toMatch(/^8:\d+ .*mode: "dsr" is not one of nodeport, vip/);
    expect(errors(base(`objects:
  - {apiVersion: v1, kind: Service, metadata: {name: web}, spec: {type: NodePort, ports: [{port: 80, nodePort: 8080}]}}
`))).toEqual(['8:5 service "default/web": nodePort 8080 is outside 30000-32767']);
  });

  it('points at a trace to a Service that does not exist', () => {
    expect(errors(base(`traces: [{from: node/node-a, to: "svc/nope:80", proto: tcp}]
`))[0]).toMatch(/^7:\d+ .*no service "nope" \(the cluster has no services\)/);
  });
});
