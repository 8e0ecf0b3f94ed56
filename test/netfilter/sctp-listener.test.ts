// The SCTP stack a `listen: sctp/PORT` gives a namespace (src/kernel/ipv4/sctp-rcv.ts), on scenarios/sctp-dnat.yaml
// with the server's listen changed: an INIT to a listener is answered with an INIT ACK (conntrack CLOSED ->
// COOKIE_WAIT, as nf_conntrack_proto_sctp moves on the INIT ACK), an INIT to a closed port of a namespace with
// an SCTP stack with an ABORT (the control socket's sctp_sf_tabort_8_4_8), both un-NATed on the way back; a
// namespace without an SCTP listener keeps answering protocol unreachable.
import { describe, expect, it } from 'vitest';
import type { ListenSpec } from '../../src/kernel/netns/world-spec.js';
import { loadScenarioFile } from '../../src/scenario/load.js';
import { senderView } from '../../src/trace/sender-view.js';
import { runTrace } from '../../src/trace/index.js';

function withServerListening(listen: ListenSpec[]) {
  const r = loadScenarioFile('scenarios/sctp-dnat.yaml');
  if (!r.ok) throw new Error(JSON.stringify(r.diagnostics));
  const server = r.scenario.world.namespaces.find((n) => n.name === 'server');
  if (server === undefined) throw new Error('no server namespace');
  server.listen = listen;
  return r.scenario;
}

describe('an SCTP listener answers the INIT', () => {
  it('INIT to a listening port: INIT ACK back through the un-DNAT, conntrack COOKIE_WAIT, connect() goes on', () => {
    const sc = withServerListening([{ proto: 'sctp', port: 5353, addr: 0 }]);
    const t = runTrace(sc.world, sc.traces[0]);
    expect([t.disposition, t.reason]).toEqual(['DELIVERED', null]);
    expect(t.deliveredTo).toMatchObject({ netns: 'server', addr: '10.0.2.2:5353', peerSeen: '10.0.1.2:40000' });
    expect(t.reply).toMatchObject({ kind: 'init-ack', disposition: 'DELIVERED' });
    expect(t.icmp).toBeNull();
    const ct = t.conntrack.find((c) => c.netns === 'router');
    expect(ct?.line).toMatch(/^sctp {5}132 [23] COOKIE_WAIT src=10\.0\.1\.2 dst=10\.0\.9\.9 sport=40000 dport=53 src=10\.0\.2\.2 dst=10\.0\.1\.2 sport=5353 dport=40000 /);
    expect(ct?.line).not.toContain('UNREPLIED');
    expect(senderView(t).outcome).toBe('connected');
  });

  it('INIT to a closed port of a namespace with an SCTP stack: ABORT, conntrack CLOSED, ECONNREFUSED', () => {
    const sc = withServerListening([{ proto: 'sctp', port: 9999, addr: 0 }]);
    const t = runTrace(sc.world, sc.traces[0]);
    expect([t.disposition, t.reason]).toEqual(['REFUSED', 'NO_SOCKET']);
    expect(t.reply).toMatchObject({ kind: 'abort', disposition: 'DELIVERED' });
    expect(t.icmp).toBeNull();
    const ct = t.conntrack.find((c) => c.netns === 'router');
    expect(ct?.line).toMatch(/^sctp {5}132 (9|10) CLOSED src=10\.0\.1\.2 dst=10\.0\.9\.9 sport=40000 dport=53 src=10\.0\.2\.2 dst=10\.0\.1\.2 sport=5353 dport=40000 mark=/);
    expect(senderView(t)).toMatchObject({ outcome: 'refused', errno: 'ECONNREFUSED' });
  });

  it('a TCP or UDP listener alone gives no SCTP stack: protocol unreachable, as before', () => {
    const sc = withServerListening([{ proto: 'tcp', port: 5353, addr: 0 }, { proto: 'udp', port: 5353, addr: 0 }]);
    const t = runTrace(sc.world, sc.traces[0]);
    expect([t.disposition, t.reason]).toEqual(['REFUSED', 'NO_SOCKET']);
    expect(t.icmp).toMatchObject({ from: '10.0.9.9', icmpType: 3, code: 2 });
    expect(t.reply?.kind).toBe('icmp-error');
  });
});
