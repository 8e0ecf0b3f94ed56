import { describe, expect, it } from 'vitest';
import { ConntrackTable } from '../../kernel/conntrack/index.js';
import { udp as udpPacket } from '../../../test/conntrack/packets.js';
import { cleanStaleEntries, conntrackEntryView, staleConntrackEntries, staleConntrackFilters } from './conntrack-cleanup.js';
import { endpointsByServicePort } from './endpoints.js';
import { servicePortsOf } from './service-port.js';
import { slice, svc } from './testing.js';

const dns = svc('kube-system', 'dns', {
  clusterIP: '10.96.0.10', type: 'NodePort', externalIPs: ['192.168.99.5'],
  ports: [{ name: 'dns', port: 53, protocol: 'UDP', nodePort: 30053 }, { name: 'dns-tcp', port: 53, protocol: 'TCP' }],
});
const ports = servicePortsOf(dns, 'IPv4');
const eps = (ips: string[]) => endpointsByServicePort([slice('kube-system', 'dns', ips, { ports: [{ name: 'dns', port: 53, protocol: 'UDP' }, { name: 'dns-tcp', port: 53, protocol: 'TCP' }] })], 'IPv4', 'test-node');

describe('CleanStaleEntries (the UDP conntrack reconciler)', () => {
  const entries = [
    { id: 'to-old-pod', proto: 'udp', origDst: '10.96.0.10', origDstPort: 53, replySrc: '10.244.1.5' },
    { id: 'to-new-pod', proto: 'udp', origDst: '10.96.0.10', origDstPort: 53, replySrc: '10.244.2.7' },
    { id: 'before-any-endpoint', proto: 'udp', origDst: '10.96.0.10', origDstPort: 53, replySrc: '10.96.0.10' },
    { id: 'external-ip', proto: 'udp', origDst: '192.168.99.5', origDstPort: 53, replySrc: '10.244.1.5' },
    { id: 'nodeport', proto: 'udp', origDst: '192.168.0.2', origDstPort: 30053, replySrc: '10.244.1.5' },
    { id: 'tcp', proto: 'tcp', origDst: '10.96.0.10', origDstPort: 53, replySrc: '10.244.1.5' },
    { id: 'other', proto: 'udp', origDst: '10.96.0.11', origDstPort: 53, replySrc: '10.244.1.5' },
  ];

  it('deletes UDP entries to a Service address or node port whose reply source is not a serving endpoint', () => {
    const gone = staleConntrackEntries(ports, eps(['10.244.2.7']), entries).map((e) => e.id);
    expect(gone).toEqual(['to-old-pod', 'before-any-endpoint', 'external-ip', 'nodeport']);
  });

  it('keeps entries to serving endpoints; with no endpoints every entry to the Service goes', () => {
    expect(staleConntrackEntries(ports, eps(['10.244.1.5', '10.244.2.7']), entries).map((e) => e.id)).toEqual(['before-any-endpoint']);
    expect(staleConntrackEntries(ports, new Map(), entries).map((e) => e.id)).toEqual(['to-old-pod', 'to-new-pod', 'before-any-endpoint', 'external-ip', 'nodeport']);
  });

  it('builds filterForNAT and filterForPortNAT filters', () => {
    expect(staleConntrackFilters(ports, eps(['10.244.2.7']), [entries[4]])).toEqual([{ kind: 'port-nat', proto: 'udp', origDstPort: 30053, replySrc: '10.244.1.5' }]);
    expect(staleConntrackFilters(ports, eps(['10.244.2.7']), [entries[0]])).toEqual([{ kind: 'nat', proto: 'udp', origDst: '10.96.0.10', replySrc: '10.244.1.5' }]);
  });
});

describe('cleanStaleEntries on our conntrack table', () => {
  it('deletes the un-NATed entry a DNS query made while the Service had no endpoint (issue 48370), keeps others', () => {
    const t = new ConntrackTable();
    const early = t.resolve(udpPacket('10.0.0.2', 5000, '10.96.0.10', 53), 0).entry!;
    t.confirm(early, 0);
    const other = t.resolve(udpPacket('10.0.0.2', 5001, '10.96.0.99', 53), 0).entry!;
    t.confirm(other, 0);
    expect(conntrackEntryView(early)).toEqual({ proto: 'udp', origDst: '10.96.0.10', origDstPort: 53, replySrc: '10.96.0.10' });
    expect(cleanStaleEntries(t, ports, eps(['10.244.2.7']), 1000)).toEqual([early]);
    expect(t.entries(1000)).toEqual([other]);
  });
});
