// An SCTP INIT through a router that DNATs an SCTP port, as kube-proxy does for an SCTP Service port: the
// sctp match, conntrack with ports (COOKIE_WAIT), the port rewritten, and the answer of a kernel without an
// SCTP stack (ICMP protocol unreachable) un-NATed on its way back to the sender.
import { describe, expect, it } from 'vitest';
import { loadScenarioText } from '../../src/scenario/load.js';
import { runTrace } from '../../src/trace/index.js';

const TEXT = `apiVersion: packetwalk/v1
kind: Topology
metadata: {name: sctp-dnat}
namespaces:
  - name: client
    links:
      - {name: eth0, type: veth, peer: router/eth0, addresses: [10.0.1.2/24]}
    routes: ["default via 10.0.1.1 dev eth0"]
  - name: router
    sysctls: {net.ipv4.ip_forward: 1}
    links:
      - {name: eth0, type: veth, peer: client/eth0, addresses: [10.0.1.1/24]}
      - {name: eth1, type: veth, peer: server/eth0, addresses: [10.0.2.1/24]}
    routes: ["default via 10.0.2.2 dev eth1"]
    iptables: |
      *nat
      :PREROUTING ACCEPT [0:0]
      -A PREROUTING -d 10.0.9.9/32 -p sctp -m sctp --dport 53 -j DNAT --to-destination 10.0.2.2:5353
      COMMIT
      *filter
      :FORWARD DROP [0:0]
      -A FORWARD -p sctp -m sctp --dport 5353 -j ACCEPT
      -A FORWARD -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
      COMMIT
  - name: server
    links:
      - {name: eth0, type: veth, peer: router/eth1, addresses: [10.0.2.2/24]}
    routes: ["default via 10.0.2.1 dev eth0"]
traces:
  - {name: init, from: client, to: "10.0.9.9:53", proto: sctp}
  - {name: other port, from: client, to: "10.0.9.9:54", proto: sctp}
`;

function scenario() {
  const r = loadScenarioText(TEXT, 'sctp-dnat.yaml');
  if (!r.ok) throw new Error(JSON.stringify(r.diagnostics));
  return r.scenario;
}

describe('SCTP through a DNAT', () => {
  it('the INIT is DNATed by port, tracked with ports, and the protocol unreachable comes back un-NATed', () => {
    const sc = scenario();
    const t = runTrace(sc.world, sc.traces[0]);
    expect(t.packet).toEqual({ proto: 'sctp', src: '10.0.1.2:40000', dst: '10.0.9.9:53' });
    expect([t.disposition, t.reason]).toEqual(['REFUSED', 'NO_SOCKET']);
    expect(t.deliveredTo).toBeNull();
    expect(t.hops.some((h) => h.netns === 'router' && h.after?.dst === '10.0.2.2:5353')).toBe(true);
    expect(t.icmp).toMatchObject({ from: '10.0.9.9', icmpType: 3, code: 2 });
    const ct = t.conntrack.find((c) => c.netns === 'router');
    expect(ct?.line).toMatch(/^sctp {5}132 [1-3] COOKIE_WAIT /);
    expect(ct?.line).toContain('COOKIE_WAIT src=10.0.1.2 dst=10.0.9.9 sport=40000 dport=53 [UNREPLIED] src=10.0.2.2 dst=10.0.1.2 sport=5353 dport=40000 mark=0 use=1');
  });

  it('another port is not DNATed, and the FORWARD policy drops it', () => {
    const sc = scenario();
    const t = runTrace(sc.world, sc.traces[1]);
    expect([t.disposition, t.reason]).toEqual(['DROPPED', 'NETFILTER_DROP']);
  });
});
