import { describe, expect, it } from 'vitest';
import { fakeConfig, renderOnce, slice, svc } from './testing.js';

const SVC = 'KUBE-SVC-XPGD46QRK7WJZT7O';
const EXT = 'KUBE-EXT-XPGD46QRK7WJZT7O';
const FW = 'KUBE-FW-XPGD46QRK7WJZT7O';
const SVL = 'KUBE-SVL-XPGD46QRK7WJZT7O';
const SEP1 = 'KUBE-SEP-SXIVWICOYRO3J4NJ'; // ns1/svc1:p80 10.180.0.1:80

const has = (lines: string[], l: string): void => expect(lines).toContain(l);
const lacks = (lines: string[], re: RegExp): void => expect(lines.filter((l) => re.test(l))).toEqual([]);

describe('renderSync: rule templates (proxier.go syncProxyRules)', () => {
  it('a ClusterIP Service: KUBE-SERVICES, the masquerade rule, one SEP with hairpin and DNAT', () => {
    const { text } = renderOnce([svc('ns1', 'svc1')], [slice('ns1', 'svc1', ['10.180.0.1'])]);
    expect(text).toBe([
      '*filter',
      ':KUBE-SERVICES - [0:0]', ':KUBE-EXTERNAL-SERVICES - [0:0]', ':KUBE-FORWARD - [0:0]', ':KUBE-NODEPORTS - [0:0]', ':KUBE-PROXY-FIREWALL - [0:0]', ':KUBE-FIREWALL - [0:0]',
      '-A KUBE-FIREWALL -m comment --comment "block incoming localnet connections" -d 127.0.0.0/8 ! -s 127.0.0.0/8 -m conntrack ! --ctstate RELATED,ESTABLISHED,DNAT -j DROP',
      '-A KUBE-FORWARD -m conntrack --ctstate INVALID -m nfacct --nfacct-name ct_state_invalid_dropped_pkts -j DROP',
      '-A KUBE-FORWARD -m comment --comment "kubernetes forwarding rules" -m mark --mark 0x4000/0x4000 -j ACCEPT',
      '-A KUBE-FORWARD -m comment --comment "kubernetes forwarding conntrack rule" -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT',
      'COMMIT',
      '*nat',
      ':KUBE-SERVICES - [0:0]', ':KUBE-NODEPORTS - [0:0]', ':KUBE-POSTROUTING - [0:0]', ':KUBE-MARK-MASQ - [0:0]', `:${SVC} - [0:0]`, `:${SEP1} - [0:0]`,
      '-A KUBE-POSTROUTING -m mark ! --mark 0x4000/0x4000 -j RETURN',
      '-A KUBE-POSTROUTING -j MARK --xor-mark 0x4000',
      '-A KUBE-POSTROUTING -m comment --comment "kubernetes service traffic requiring SNAT" -j MASQUERADE',
      '-A KUBE-MARK-MASQ -j MARK --or-mark 0x4000',
      `-A KUBE-SERVICES -m comment --comment "ns1/svc1:p80 cluster IP" -m tcp -p tcp -d 172.30.0.41 --dport 80 -j ${SVC}`,
      `-A ${SVC} -m comment --comment "ns1/svc1:p80 cluster IP" -m tcp -p tcp -d 172.30.0.41 --dport 80 ! -s 10.0.0.0/8 -j KUBE-MARK-MASQ`,
      `-A ${SVC} -m comment --comment "ns1/svc1:p80 -> 10.180.0.1:80" -j ${SEP1}`,
      `-A ${SEP1} -m comment --comment ns1/svc1:p80 -s 10.180.0.1 -j KUBE-MARK-MASQ`,
      `-A ${SEP1} -m comment --comment ns1/svc1:p80 -m tcp -p tcp -j DNAT --to-destination 10.180.0.1:80`,
      '-A KUBE-SERVICES -m comment --comment "kubernetes service nodeports; NOTE: this must be the last rule in this chain" -m addrtype --dst-type LOCAL -j KUBE-NODEPORTS',
      'COMMIT',
      '',
    ].join('\n'));
  });

  it('endpoints in string order with 1/(n-i) probabilities; the last rule has none', () => {
    const { lines } = renderOnce([svc('ns1', 'svc1')], [slice('ns1', 'svc1', ['10.180.0.1', '10.180.0.11', '10.180.0.2'])]);
    const toSep = lines.filter((l) => l.startsWith(`-A ${SVC}`) && l.includes(' -> '));
    expect(toSep.map((l) => /-> (\S+?)"/.exec(l)![1])).toEqual(['10.180.0.11:80', '10.180.0.1:80', '10.180.0.2:80']);
    expect(toSep.map((l) => /--probability (\S+)/.exec(l)?.[1] ?? null)).toEqual(['0.3333333333', '0.5000000000', null]);
  });

  it('no endpoints: REJECT in filter for every address, nothing in nat for the Service', () => {
    const s = svc('ns1', 'svc1', { type: 'LoadBalancer', externalIPs: ['192.168.99.11'], loadBalancerIngress: [{ ip: '1.2.3.4' }], ports: [{ name: 'p80', port: 80, nodePort: 3001 }] });
    const { lines } = renderOnce([s], []);
    has(lines, '-A KUBE-SERVICES -m comment --comment "ns1/svc1:p80 has no endpoints" -m tcp -p tcp -d 172.30.0.41 --dport 80 -j REJECT');
    has(lines, '-A KUBE-EXTERNAL-SERVICES -m comment --comment "ns1/svc1:p80 has no endpoints" -m tcp -p tcp -d 192.168.99.11 --dport 80 -j REJECT');
    has(lines, '-A KUBE-EXTERNAL-SERVICES -m comment --comment "ns1/svc1:p80 has no endpoints" -m tcp -p tcp -d 1.2.3.4 --dport 80 -j REJECT');
    has(lines, '-A KUBE-EXTERNAL-SERVICES -m comment --comment "ns1/svc1:p80 has no endpoints" -m addrtype --dst-type LOCAL -m tcp -p tcp --dport 3001 -j REJECT');
    lacks(lines, /XPGD46QRK7WJZT7O/);
  });

  it('NodePort: the localhost rule with its nfacct counter, then the plain one, both to EXT', () => {
    const s = svc('ns1', 'svc1', { type: 'NodePort', ports: [{ name: 'p80', port: 80, nodePort: 3001 }] });
    const { lines } = renderOnce([s], [slice('ns1', 'svc1', ['10.180.0.1'])]);
    const np = lines.filter((l) => l.startsWith('-A KUBE-NODEPORTS'));
    expect(np).toEqual([
      `-A KUBE-NODEPORTS -m comment --comment ns1/svc1:p80 -m tcp -p tcp -d 127.0.0.0/8 --dport 3001 -m nfacct --nfacct-name localhost_nps_accepted_pkts -j ${EXT}`,
      `-A KUBE-NODEPORTS -m comment --comment ns1/svc1:p80 -m tcp -p tcp --dport 3001 -j ${EXT}`,
    ]);
    expect(lines.filter((l) => l.startsWith(`-A ${EXT}`))).toEqual([
      `-A ${EXT} -m comment --comment "masquerade traffic for ns1/svc1:p80 external destinations" -j KUBE-MARK-MASQ`,
      `-A ${EXT} -j ${SVC}`,
    ]);
    // Without the counter, or with localhost NodPorts off, no localhost rule; off also fences 127/8 off.
    const off = renderOnce([s], [slice('ns1', 'svc1', ['10.180.0.1'])], fakeConfig({ localhostNodePorts: false })).lines;
    lacks(off, /127\.0\.0\.0\/8 --dport/);
    lacks(off, /KUBE-FIREWALL/);
    has(off, '-A KUBE-SERVICES -m comment --comment "kubernetes service nodeports; NOTE: this must be the last rule in this chain" -m addrtype --dst-type LOCAL ! -d 127.0.0.0/8 -j KUBE-NODEPORTS');
  });

  it('--nodeport-addresses: one jump per matching node IP, loopback only with localhost NodePorts', () => {
    const tail = (cidrs: string[], lnp: boolean): string[] =>
      renderOnce([], [], fakeConfig({ nodePortAddresses: cidrs, localhostNodePorts: lnp })).lines.filter((l) => l.includes('NOTE: this must be')).map((l) => /-d (\S+)/.exec(l)?.[1] ?? 'all');
    expect(tail(['192.168.0.0/16', '127.0.0.0/8'], true)).toEqual(['192.168.0.2', '192.168.1.2', '192.168.99.11', '127.0.0.1']);
    expect(tail(['192.168.0.0/24', '127.0.0.1/32'], false)).toEqual(['192.168.0.2']);
    expect(tail(['2001:db8::/64'], true)).toEqual(['all']); // no CIDR of this family: every address
    expect(tail(['0.0.0.0/0', '192.168.0.0/24'], true)).toEqual(['all']);
  });

  it('LoadBalancer with source ranges: KUBE-FW, the node\'s own VIP traffic, KUBE-PROXY-FIREWALL', () => {
    const s = svc('ns1', 'svc1', {
      type: 'LoadBalancer', loadBalancerIngress: [{ ip: '1.2.3.4' }, { ip: '5.6.7.8', ipMode: 'VIP' }],
      loadBalancerSourceRanges: ['192.168.0.0/24', ' 203.0.113.0/25'], ports: [{ name: 'p80', port: 80, nodePort: 3001 }],
    });
    const { lines } = renderOnce([s], [slice('ns1', 'svc1', ['10.180.0.1'])]);
    has(lines, `-A KUBE-SERVICES -m comment --comment "ns1/svc1:p80 loadbalancer IP" -m tcp -p tcp -d 1.2.3.4 --dport 80 -j ${FW}`);
    expect(lines.filter((l) => l.startsWith(`-A ${FW}`))).toEqual([
      `-A ${FW} -m comment --comment "ns1/svc1:p80 loadbalancer IP" -s 192.168.0.0/24 -j ${EXT}`,
      `-A ${FW} -m comment --comment "ns1/svc1:p80 loadbalancer IP" -s 203.0.113.0/25 -j ${EXT}`,
      `-A ${FW} -m comment --comment "ns1/svc1:p80 loadbalancer IP" -s 1.2.3.4 -j ${EXT}`,
      `-A ${FW} -m comment --comment "ns1/svc1:p80 loadbalancer IP" -s 5.6.7.8 -j ${EXT}`,
      `-A ${FW} -m comment --comment "other traffic to ns1/svc1:p80 will be dropped by KUBE-PROXY-FIREWALL"`,
    ]);
    expect(lines.filter((l) => l.startsWith('-A KUBE-PROXY-FIREWALL'))).toEqual([
      `-A KUBE-PROXY-FIREWALL -m comment --comment "ns1/svc1:p80 traffic not accepted by ${FW}" -m tcp -p tcp -d 1.2.3.4 --dport 80 -j DROP`,
      `-A KUBE-PROXY-FIREWALL -m comment --comment "ns1/svc1:p80 traffic not accepted by ${FW}" -m tcp -p tcp -d 5.6.7.8 --dport 80 -j DROP`,
    ]);
  });

  it('ipMode Proxy: no rule for that VIP', () => {
    const s = svc('ns1', 'svc1', { type: 'LoadBalancer', loadBalancerIngress: [{ ip: '1.2.3.4', ipMode: 'Proxy' }, { ip: '5.6.7.8' }] });
    const { lines } = renderOnce([s], [slice('ns1', 'svc1', ['10.180.0.1'])]);
    lacks(lines, /1\.2\.3\.4/);
    has(lines, `-A KUBE-SERVICES -m comment --comment "ns1/svc1:p80 loadbalancer IP" -m tcp -p tcp -d 5.6.7.8 --dport 80 -j ${EXT}`);
  });

  it('externalTrafficPolicy Local: short-circuit for pods, LOCAL masquerade, SVL for the rest; health check ACCEPT', () => {
    const s = svc('ns1', 'svc1', {
      type: 'LoadBalancer', externalTrafficPolicy: 'Local', healthCheckNodePort: 30000, externalIPs: ['192.168.99.11'],
      loadBalancerIngress: [{ ip: '1.2.3.4' }], ports: [{ name: 'p80', port: 80, nodePort: 3001 }],
    });
    const { lines } = renderOnce([s], [slice('ns1', 'svc1', ['10.180.0.1', '10.180.2.1@test-node'])]);
    expect(lines.filter((l) => l.startsWith(`-A ${EXT}`))).toEqual([
      `-A ${EXT} -m comment --comment "pod traffic for ns1/svc1:p80 external destinations" -s 10.0.0.0/8 -j ${SVC}`,
      `-A ${EXT} -m comment --comment "masquerade LOCAL traffic for ns1/svc1:p80 external destinations" -m addrtype --src-type LOCAL -j KUBE-MARK-MASQ`,
      `-A ${EXT} -m comment --comment "route LOCAL traffic for ns1/svc1:p80 external destinations" -m addrtype --src-type LOCAL -j ${SVC}`,
      `-A ${EXT} -j ${SVL}`,
    ]);
    expect(lines.filter((l) => l.startsWith(`-A ${SVL}`))).toEqual([`-A ${SVL} -m comment --comment "ns1/svc1:p80 -> 10.180.2.1:80" -j KUBE-SEP-ZX7GRIZKSNUQ3LAJ`]);
    has(lines, '-A KUBE-NODEPORTS -m comment --comment "ns1/svc1:p80 health check node port" -m tcp -p tcp --dport 30000 -j ACCEPT');
    // No local endpoints: EXT has no final jump, the filter table drops what was not short-circuited.
    const none = renderOnce([s], [slice('ns1', 'svc1', ['10.180.0.1'])]).lines;
    expect(none.filter((l) => l.startsWith(`-A ${EXT} -j`))).toEqual([]);
    has(none, '-A KUBE-EXTERNAL-SERVICES -m comment --comment "ns1/svc1:p80 has no local endpoints" -m tcp -p tcp -d 1.2.3.4 --dport 80 -j DROP');
    has(none, '-A KUBE-NODEPORTS -m comment --comment "ns1/svc1:p80 health check node port" -m tcp -p tcp --dport 30000 -j ACCEPT');
  });

  it('the health check node port counts only for LoadBalancer with eTP Local', () => {
    const s = svc('ns1', 'svc1', { type: 'NodePort', externalTrafficPolicy: 'Local', healthCheckNodePort: 30000, ports: [{ name: 'p80', port: 80, nodePort: 3001 }] });
    lacks(renderOnce([s], [slice('ns1', 'svc1', ['10.180.0.1'])]).lines, /health check/);
  });

  it('internalTrafficPolicy Local without local endpoints: DROP on the cluster IP', () => {
    const s = svc('ns1', 'svc1', { internalTrafficPolicy: 'Local' });
    const { lines } = renderOnce([s], [slice('ns1', 'svc1', ['10.180.0.1@node2'])]);
    has(lines, '-A KUBE-SERVICES -m comment --comment "ns1/svc1:p80 has no local endpoints" -m tcp -p tcp -d 172.30.0.41 --dport 80 -j DROP');
    lacks(lines, /KUBE-SEP-/);
    const local = renderOnce([s], [slice('ns1', 'svc1', ['10.180.0.1@test-node', '10.180.0.2@node2'])]).lines;
    has(local, `-A KUBE-SERVICES -m comment --comment "ns1/svc1:p80 cluster IP" -m tcp -p tcp -d 172.30.0.41 --dport 80 -j ${SVL}`);
    lacks(local, /10\.180\.0\.2/);
  });

  it('session affinity: --rcheck rules first, --set in the SEP chain', () => {
    const s = svc('ns1', 'svc1', { sessionAffinity: 'ClientIP', sessionAffinityTimeoutSeconds: 600 });
    const { lines } = renderOnce([s], [slice('ns1', 'svc1', ['10.180.0.1'])]);
    expect(lines.filter((l) => l.startsWith(`-A ${SVC}`)).slice(1)).toEqual([
      `-A ${SVC} -m comment --comment "ns1/svc1:p80 -> 10.180.0.1:80" -m recent --name ${SEP1} --rcheck --seconds 600 --reap -j ${SEP1}`,
      `-A ${SVC} -m comment --comment "ns1/svc1:p80 -> 10.180.0.1:80" -j ${SEP1}`,
    ]);
    has(lines, `-A ${SEP1} -m comment --comment ns1/svc1:p80 -m recent --name ${SEP1} --set -m tcp -p tcp -j DNAT --to-destination 10.180.0.1:80`);
    expect(renderOnce([svc('ns1', 'svc1', { sessionAffinity: 'ClientIP' })], [slice('ns1', 'svc1', ['10.180.0.1'])]).text).toContain('--seconds 10800 --reap');
  });

  it('terminating endpoints: serving ones are the fallback, non-serving ones never used', () => {
    const sl = slice('ns1', 'svc1', []);
    sl.endpoints = [
      { addresses: ['10.0.1.1'], nodeName: 'test-node', conditions: { ready: false, serving: true, terminating: true } },
      { addresses: ['10.0.1.2'], nodeName: 'test-node', conditions: { ready: false, serving: false, terminating: true } },
    ];
    const { lines } = renderOnce([svc('ns1', 'svc1')], [sl]);
    expect(lines.filter((l) => l.includes('-j DNAT')).map((l) => l.split(' ').at(-1))).toEqual(['10.0.1.1:80']);
  });

  it('UDP and SCTP ports, the endpoint port from the slice (not targetPort)', () => {
    const s = svc('ns1', 'svc1', { ports: [{ name: 'dns', port: 53, protocol: 'UDP', targetPort: 9999 }, { name: 'sctp', port: 53, protocol: 'SCTP' }] });
    const sl = slice('ns1', 'svc1', ['10.180.0.1'], { ports: [{ name: 'dns', port: 5353, protocol: 'UDP' }, { name: 'sctp', port: 53, protocol: 'SCTP' }] });
    const { lines } = renderOnce([s], [sl]);
    expect(lines.filter((l) => l.includes('-j DNAT')).map((l) => l.replace(/KUBE-SEP-\S+/, 'SEP'))).toEqual([
      '-A SEP -m comment --comment ns1/svc1:dns -m udp -p udp -j DNAT --to-destination 10.180.0.1:5353',
      '-A SEP -m comment --comment ns1/svc1:sctp -m sctp -p sctp -j DNAT --to-destination 10.180.0.1:53',
    ]);
  });

  it('headless and ExternalName Services get no rules', () => {
    const a = renderOnce([svc('ns1', 'svc1', { clusterIP: 'None' }), svc('ns1', 'svc2', { type: 'ExternalName', clusterIP: '' })], [slice('ns1', 'svc1', ['10.180.0.1'])]);
    lacks(a.lines, /ns1\/svc/);
  });

  it('large-cluster mode above the threshold: SEP and SVC->SEP rules lose their comments, nothing else', () => {
    const eps = Array.from({ length: 3 }, (_, i) => `10.180.0.${i + 1}`);
    const big = renderOnce([svc('ns1', 'svc1')], [slice('ns1', 'svc1', eps)], fakeConfig({ largeClusterEndpointsThreshold: 2 }));
    expect(big.largeClusterMode).toBe(true);
    expect(big.lines.filter((l) => l.startsWith('-A KUBE-SEP-') && l.includes('comment'))).toEqual([]);
    expect(big.lines.filter((l) => l.startsWith(`-A ${SVC}`) && l.includes(' -> '))).toEqual([]);
    expect(big.lines.filter((l) => l.startsWith(`-A ${SVC} -m statistic --mode random --probability 0.3333333333 -j KUBE-SEP-`))).toHaveLength(1);
    has(big.lines, `-A ${SVC} -m comment --comment "ns1/svc1:p80 cluster IP" -m tcp -p tcp -d 172.30.0.41 --dport 80 ! -s 10.0.0.0/8 -j KUBE-MARK-MASQ`);
    expect(renderOnce([svc('ns1', 'svc1')], [slice('ns1', 'svc1', eps)], fakeConfig({ largeClusterEndpointsThreshold: 3 })).largeClusterMode).toBe(false);
  });

  it('detectors, masqueradeAll, random-fully, tcp_be_liberal', () => {
    const one = (c: Parameters<typeof fakeConfig>[0]): string[] => renderOnce([svc('ns1', 'svc1')], [slice('ns1', 'svc1', ['10.180.0.1'])], fakeConfig(c)).lines;
    expect(one({ localDetector: { kind: 'bridge', interface: 'cbr0' } }).find((l) => l.includes('MARK-MASQ') && l.startsWith(`-A ${SVC}`))).toMatch(/ ! -i cbr0 -j KUBE-MARK-MASQ$/);
    expect(one({ localDetector: { kind: 'interface-prefix', prefix: 'veth' } }).find((l) => l.includes('MARK-MASQ') && l.startsWith(`-A ${SVC}`))).toMatch(/ ! -i veth\+ -j KUBE-MARK-MASQ$/);
    expect(one({ localDetector: { kind: 'none' } }).filter((l) => l.includes('MARK-MASQ') && l.startsWith(`-A ${SVC}`))).toEqual([]);
    expect(one({ masqueradeAll: true }).find((l) => l.includes('MARK-MASQ') && l.startsWith(`-A ${SVC}`))).toMatch(/--dport 80 -j KUBE-MARK-MASQ$/);
    expect(one({ hasRandomFully: true })).toContain('-A KUBE-POSTROUTING -m comment --comment "kubernetes service traffic requiring SNAT" -j MASQUERADE --random-fully');
    expect(one({ conntrackTCPLiberal: true }).filter((l) => l.includes('INVALID'))).toEqual([]);
    expect(one({ masqueradeBit: 12, masqueradeMark: undefined })).toContain('-A KUBE-MARK-MASQ -j MARK --or-mark 0x00001000');
    expect(one({ masqueradeMark: undefined })).toContain('-A KUBE-FORWARD -m comment --comment "kubernetes forwarding rules" -m mark --mark 0x00004000/0x00004000 -j ACCEPT');
  });
});
