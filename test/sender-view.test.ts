// What the sender experiences when the answer or the error never reaches it (issue 8, "the sender's
// experience"): the hop-by-hop truth says DELIVERED or REFUSED, the socket sees a timeout.
import { describe, expect, it } from 'vitest';
import type { WorldSpec } from '../src/kernel/index.js';
import { renderTraceJson, renderTraceText, runTrace } from '../src/trace/index.js';
import { ip, routerWorld } from './support/specs.js';

/** The DESIGN.md router world, with `right` left without a way back to `left`. */
function noWayBack(): WorldSpec {
  const w = routerWorld();
  return { ...w, namespaces: w.namespaces.map((n) => (n.name === 'right' ? { ...n, routes: [] } : n)) };
}

describe('sender view', () => {
  it('a delivered SYN whose SYN-ACK cannot leave: connect() times out', () => {
    const t = runTrace(noWayBack(), { from: 'left', dst: ip('10.0.2.2'), proto: 'tcp', dport: 80 });
    expect(t.disposition).toBe('DELIVERED');
    expect(t.sender).toMatchObject({ outcome: 'timeout', errno: 'ETIMEDOUT', lostOnTheWayBack: true });
    expect(t.sender?.text).toMatch(/^the SYN-ACK never comes back \(it ends NO_ROUTE .* in right\): connect\(\) retransmits the SYN/);
    expect(renderTraceText(t, 'minimal')).toContain('\n  sender: the SYN-ACK never comes back');
    expect(JSON.parse(renderTraceJson(t)).sender.outcome).toBe('timeout');
  });
  it('a refused SYN whose RST is lost: connect() times out instead of ECONNREFUSED', () => {
    const t = runTrace(noWayBack(), { from: 'left', dst: ip('10.0.2.2'), proto: 'tcp', dport: 81 });
    expect(t.disposition).toBe('REFUSED');
    expect(t.sender).toMatchObject({ outcome: 'timeout', errno: 'ETIMEDOUT', lostOnTheWayBack: true });
    expect(t.sender?.text).toContain('the RST never comes back');
  });
  it('a RST that arrives: ECONNREFUSED, and no sender line in the text', () => {
    const t = runTrace(routerWorld(), { from: 'left', dst: ip('10.0.2.2'), proto: 'tcp', dport: 81 });
    expect(t.sender).toMatchObject({ outcome: 'refused', errno: 'ECONNREFUSED', lostOnTheWayBack: false });
    expect(renderTraceText(t)).not.toContain('sender:');
  });
  it('UDP and a soft ICMP error: net unreachable does not reach recv() without IP_RECVERR', () => {
    const t = runTrace(routerWorld(), { from: 'left', dst: ip('10.0.9.9'), proto: 'udp', dport: 53 });
    expect(t.disposition).toBe('NO_ROUTE');
    expect(t.sender).toMatchObject({ outcome: 'timeout', errno: null });
    expect(t.sender?.text).toContain('soft error');
  });
  it('TCP and the same error: connect() fails with ENETUNREACH (tcp_v4_err() in SYN-SENT)', () => {
    const t = runTrace(routerWorld(), { from: 'left', dst: ip('10.0.9.9'), proto: 'tcp', dport: 80 });
    expect(t.sender).toMatchObject({ outcome: 'error', errno: 'ENETUNREACH' });
  });
  it('a local route failure: the call fails at once', () => {
    const t = runTrace(noWayBack(), { from: 'right', dst: ip('10.0.1.2'), proto: 'udp', dport: 53 });
    expect(t.sender).toMatchObject({ outcome: 'error', errno: 'ENETUNREACH' });
    expect(t.sender?.text).toBe('send() fails at once with ENETUNREACH (Network is unreachable): nothing left right');
  });
});
