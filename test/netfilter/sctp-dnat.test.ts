// scenarios/sctp-dnat.yaml: an SCTP INIT through a router that DNATs an SCTP port, as kube-proxy does for an
// SCTP Service port: the sctp match, conntrack with ports (CLOSED), the port rewritten, and the answer of a kernel without an
// SCTP stack (ICMP protocol unreachable) un-NATed on its way back to the sender.
import { describe, expect, it } from 'vitest';
import { loadScenarioFile } from '../../src/scenario/load.js';
import { runTrace } from '../../src/trace/index.js';

function scenario() {
  const r = loadScenarioFile('scenarios/sctp-dnat.yaml');
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
    expect(ct?.line).toMatch(/^sctp {5}132 (9|10) CLOSED /);
    expect(ct?.line).toContain('CLOSED src=10.0.1.2 dst=10.0.9.9 sport=40000 dport=53 [UNREPLIED] src=10.0.2.2 dst=10.0.1.2 sport=5353 dport=40000 mark=0 use=1');
  });

  it('another port is not DNATed, and the FORWARD policy drops it', () => {
    const sc = scenario();
    const t = runTrace(sc.world, sc.traces[1]);
    expect([t.disposition, t.reason]).toEqual(['DROPPED', 'NETFILTER_DROP']);
  });
});
