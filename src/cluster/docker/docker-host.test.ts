import { describe, expect, it } from 'vitest';
import type { NetnsSpec } from '../../kernel/netns/world-spec.js';
import { restore } from '../../kernel/netfilter/index.js';
import { formatIpv4, parseIpv4 } from '../../wire/ipv4-addr.js';
import { IptablesText } from '../iptables-text.js';
import type { DockerHostSpec } from '../model.js';
import { compileDockerHost } from './docker-host.js';
import type { DockerIssue } from './docker-host.js';

const host = (): NetnsSpec => ({ name: 'h', sysctls: {}, links: [], routes: [], rules: [], neigh: [], fdb: [], listen: [] });
const spec = (over: Partial<DockerHostSpec> = {}): DockerHostSpec => ({
  icc: true, userlandProxy: true, networks: [{ name: 'front' }, { name: 'back' }],
  containers: [
    { name: 'a', network: 'bridge', publish: [{ protocol: 'tcp', hostPort: 8080, containerPort: 80 }], listen: [] },
    { name: 'b', network: 'bridge', ip: parseIpv4('172.17.0.2')!, publish: [], listen: [] },
    { name: 'c', network: 'back', publish: [{ protocol: 'udp', hostIP: parseIpv4('127.0.0.1')!, hostPort: 53, containerPort: 5353 }], listen: [] },
  ],
  ...over,
});

describe('Docker host', () => {
  it('allocates bridges, subnets and the lowest free addresses', () => {
    const issues: DockerIssue[] = [];
    const r = compileDockerHost('h', host(), new IptablesText(), spec(), issues);
    expect(issues).toEqual([]);
    expect(r.networks.map((n) => [n.name, n.bridge.slice(0, 3), formatIpv4(n.subnet.addr)])).toEqual([
      ['bridge', 'doc', '172.17.0.0'], ['front', 'br-', '172.18.0.0'], ['back', 'br-', '172.19.0.0'],
    ]);
    expect(r.networks[1].bridge).toMatch(/^br-[0-9a-f]{12}$/);
    // b asked for .2, so a takes the next free one.
    expect(r.containers.map((c) => `${c.name} ${formatIpv4(c.ip)}`)).toEqual(['a 172.17.0.3', 'b 172.17.0.2', 'c 172.19.0.2']);
  });

  it('writes Docker 29\'s rules, with and without the userland proxy', () => {
    const withProxy = new IptablesText();
    const h = host();
    compileDockerHost('h', h, withProxy, spec(), []);
    const text = withProxy.render();
    expect(restore(text).errors).toEqual([]);
    expect(text).toMatch(/-A FORWARD -j DOCKER-USER\n-A FORWARD -j DOCKER-FORWARD\n/);
    expect(text).toContain('-A DOCKER ! -i docker0 -p tcp -m tcp --dport 8080 -j DNAT --to-destination 172.17.0.3:80');
    expect(text).toContain('-A OUTPUT ! -d 127.0.0.0/8 -m addrtype --dst-type LOCAL -j DOCKER');
    expect(text).toContain('-A PREROUTING -d 127.0.0.1/32 ! -i lo -p udp -m udp --dport 53 -j DROP');
    expect(h.sysctls['net.bridge.bridge-nf-call-iptables']).toBe(0);
    expect(h.listen.map((l) => `${l.proto}/${formatIpv4(l.addr)}:${l.port}`)).toEqual(['tcp/0.0.0.0:8080', 'udp/127.0.0.1:53']);

    const noProxy = new IptablesText();
    const h2 = host();
    compileDockerHost('h', h2, noProxy, spec({ userlandProxy: false, icc: false }), []);
    const t2 = noProxy.render();
    expect(t2).toContain('-A DOCKER -p tcp -m tcp --dport 8080 -j DNAT --to-destination 172.17.0.3:80');
    expect(t2).toContain('-A POSTROUTING -s 172.17.0.3/32 -d 172.17.0.3/32 -p tcp -m tcp --dport 80 -j MASQUERADE');
    expect(t2).toContain('-A DOCKER-FORWARD -i docker0 -o docker0 -j DROP');
    expect(h2.sysctls['net.bridge.bridge-nf-call-iptables']).toBe(1);
    expect(h2.sysctls['net.ipv4.conf.docker0.route_localnet']).toBe(1);
    expect(h2.links.filter((l) => l.type === 'veth').every((l) => l.hairpin === true)).toBe(true);
    expect(h2.listen).toEqual([]);
  });

  it('reports a container on an unknown network or an address that is not free', () => {
    const issues: DockerIssue[] = [];
    compileDockerHost('h', host(), new IptablesText(), spec({ containers: [
      { name: 'x', network: 'nope', publish: [], listen: [] },
      { name: 'y', network: 'bridge', ip: parseIpv4('172.17.0.1')!, publish: [], listen: [] },
    ] }), issues);
    expect(issues.map((i) => i.message)).toEqual([
      'container "y": ip 172.17.0.1 is not free in network "bridge" (172.17.0.0/16)',
      'container "x": no network "nope" on host h (networks: bridge, front, back)',
    ]);
  });
});
