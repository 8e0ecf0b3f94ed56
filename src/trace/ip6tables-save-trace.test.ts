import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { renderIptablesTraceText, traceIptablesSave } from './iptables-save-trace.js';
import { traceIp6tablesSave } from './ip6tables-save-trace.js';

const DUMP = readFileSync(join(import.meta.dirname, '..', '..', 'examples', 'kube-proxy-node-ipv6.rules'), 'utf8');
const NODE = ['2001:db8::1', '192.168.0.2'];
const ENDPOINTS = '[fd00:10:180::1]:80, [fd00:10:180::2:1]:80';

describe('traceIp6tablesSave', () => {
  it('is what traceIptablesSave does for an IPv6 packet', () => {
    const o = { src: 'fd00:10::2', dst: 'fd00:172:30::41', dport: 80, nodeIPs: NODE };
    expect(traceIptablesSave(DUMP, o)).toEqual(traceIp6tablesSave(DUMP, o));
  });

  it('a pod to a ClusterIP: one branch per endpoint, DNAT in PREROUTING, FORWARD, not masqueraded', () => {
    const t = traceIp6tablesSave(DUMP, { src: 'fd00:10::2', dst: 'fd00:172:30::41', dport: 80, nodeIPs: NODE });
    expect(t.errors).toEqual([]);
    expect(t.notes).toContain('node IP 192.168.0.2 ignored: an IPv4 address is not seen by ip6tables');
    expect([t.origin, t.output, t.masquerade, t.verdict]).toEqual(['ingress', ENDPOINTS, false, 'ACCEPT']);
    expect(t.branches.map((b) => [b.probability, b.dst])).toEqual([[0.5, '[fd00:10:180::1]:80'], [0.5, '[fd00:10:180::2:1]:80']]);
    expect(t.hooks.map((h) => `${h.table} ${h.hook}`)).toEqual(['nat PREROUTING', 'filter FORWARD', 'nat POSTROUTING']);
    expect(t.hooks[1].dst).toBe('[fd00:10:180::1]:80');
    expect(renderIptablesTraceText(t).split('\n')[0]).toBe('ip6tables trace: tcp [fd00:10::2]:40000 > [fd00:172:30::41]:80  (arrives: PREROUTING)');
  });

  it('the node to its own NodePort: OUTPUT, DNAT to a pod, marked and masqueraded; nat runs once per manip', () => {
    const t = traceIp6tablesSave(DUMP, { src: '2001:db8::1', dst: '2001:db8::1', dport: 3001, nodeIPs: NODE });
    expect([t.origin, t.output, t.masquerade]).toEqual(['local', ENDPOINTS, true]);
    expect(t.hooks.map((h) => `${h.table} ${h.hook}`)).toEqual(['nat OUTPUT', 'filter OUTPUT', 'nat POSTROUTING']);
    expect(t.branches[0]).toMatchObject({ markedForMasquerade: true, masqueraded: true, snat: 'MASQUERADE' });
  });

  it('localhost to a NodePort is not DNATted (! -d ::1/128): over lo to INPUT, no rule decides', () => {
    const t = traceIp6tablesSave(DUMP, { src: '::1', dst: '::1', dport: 3001, nodeIPs: NODE });
    expect([t.origin, t.output, t.masquerade]).toEqual(['local', '', false]);
    expect(t.hooks.map((h) => `${h.table} ${h.hook} ${h.in ?? '-'} ${h.out ?? '-'}`)).toEqual([
      'nat OUTPUT - lo', 'filter OUTPUT - lo', 'nat POSTROUTING - lo', 'filter INPUT lo -',
    ]);
  });

  it('a Service without endpoints is REJECTed with its rule', () => {
    const t = traceIp6tablesSave(DUMP, { src: 'fd00:10::2', dst: 'fd00:172:30::42', dport: 80, nodeIPs: NODE });
    expect([t.verdict, t.output]).toEqual(['REJECT', 'REJECT']);
    expect(t.decidedBy).toMatchObject({ table: 'filter', chain: 'KUBE-SERVICES', line: 27, comment: 'ns2/svc2:p80 has no endpoints' });
    expect(t.hooks.at(-1)!.hook).toBe('FORWARD');
  });

  it('matches ipv6-icmp echo requests, interfaces and goto', () => {
    const dump = '*filter\n:INPUT DROP [0:0]\n:PING - [0:0]\n-A INPUT -i eth1 -j ACCEPT\n-A INPUT -p ipv6-icmp -g PING\n-A PING -p ipv6-icmp -m icmp6 --icmpv6-type echo-request -j ACCEPT\nCOMMIT\n';
    const ping = traceIp6tablesSave(dump, { src: 'fd00::2', dst: 'fd00::1', proto: 'icmp', nodeIPs: ['fd00::1'] });
    expect([ping.verdict, ping.decidedBy?.chain, ping.packet.dst]).toEqual(['ACCEPT', 'PING', 'fd00::1']);
    const tcp = traceIp6tablesSave(dump, { src: 'fd00::2', dst: 'fd00::1', dport: 22, nodeIPs: ['fd00::1'] });
    expect([tcp.verdict, tcp.decidedBy]).toEqual(['DROP', null]);
    const eth1 = traceIp6tablesSave(dump, { src: 'fd00::2', dst: 'fd00::1', dport: 22, nodeIPs: ['fd00::1'], inIface: 'eth1' });
    expect(eth1.verdict).toBe('ACCEPT');
  });

  it('refuses a mixed-family packet and reports dump mistakes with their line', () => {
    expect(traceIp6tablesSave(DUMP, { src: '10.0.0.2', dst: 'fd00:172:30::41', dport: 80 }).errors).toEqual([
      { line: null, message: 'src must be an IPv6 address like fd00:10::2 (an IPv6 trace: both ends IPv6), got "10.0.0.2"' },
    ]);
    expect(traceIp6tablesSave('*nat\n-A PREROUTING -d 10.96.0.1 -j ACCEPT\nCOMMIT\n', { src: 'fd00::2', dst: 'fd00::1', dport: 80 }).errors).toEqual([
      { line: 2, column: 18, message: "host/network `10.96.0.1' not found" },
    ]);
    expect(traceIp6tablesSave('', { src: 'fd00::2', dst: 'fd00::1', dport: 80 }).errors[0].message).toMatch(/^empty: no table/);
  });
});
