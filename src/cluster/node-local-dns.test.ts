import { describe, expect, it } from 'vitest';
import { parseIpv4 } from '../wire/ipv4-addr.js';
import type { NetnsSpec } from '../kernel/netns/world-spec.js';
import { IptablesText } from './iptables-text.js';
import { addNodeLocalDns, NODE_LOCAL_DNS_IP, nodeLocalDnsRules } from './node-local-dns.js';

const kubeDns = parseIpv4('10.96.0.10')!;

describe('NodeLocal DNSCache on a node', () => {
  it('prepends node-cache rules: NOTRACK both ways in raw, ACCEPT in filter, for each local IP', () => {
    const t = new IptablesText();
    t.applyRestore('*filter\n-A INPUT -j KUBE-FIREWALL\nCOMMIT\n');
    expect(t.applyRestore(nodeLocalDnsRules([NODE_LOCAL_DNS_IP, kubeDns]))).toEqual([]);
    const text = t.render();
    const c = '-m comment --comment "NodeLocal DNS Cache: skip conntrack"';
    // -I puts the last rule added first: the kube-dns ClusterIP's rules, then the link-local address's.
    expect(text).toContain(`*raw\n:PREROUTING ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n-A PREROUTING -d 10.96.0.10/32 -p udp -m udp --dport 53 ${c} -j NOTRACK\n-A PREROUTING -d 10.96.0.10/32 -p tcp -m tcp --dport 53 ${c} -j NOTRACK\n-A PREROUTING -d 169.254.20.10/32 -p udp`);
    expect(text).toContain(`-A OUTPUT -s 169.254.20.10/32 -p udp -m udp --sport 53 ${c} -j NOTRACK`);
    expect(text).toContain(`-A OUTPUT -d 169.254.20.10/32 -p tcp -m tcp --dport 8080 ${c} -j NOTRACK`);
    // filter INPUT: the ACCEPTs come before the chain's earlier rules.
    const input = text.split('\n').filter((l) => l.startsWith('-A INPUT'));
    expect(input.at(-1)).toBe('-A INPUT -j KUBE-FIREWALL');
    expect(input).toHaveLength(5);
    expect(text.split('\n').filter((l) => l.startsWith('-A OUTPUT') && l.includes('-j ACCEPT'))).toHaveLength(4);
  });
  it('adds the nodelocaldns dummy, left down as node-cache leaves it, and the cache sockets', () => {
    const ns: NetnsSpec = { name: 'n', sysctls: {}, links: [], routes: [], rules: [], neigh: [], fdb: [], listen: [] };
    addNodeLocalDns(ns, [NODE_LOCAL_DNS_IP, kubeDns]);
    expect(ns.links).toEqual([{ name: 'nodelocaldns', type: 'dummy', addresses: [{ addr: NODE_LOCAL_DNS_IP, len: 32 }, { addr: kubeDns, len: 32 }], up: false }]);
    expect(ns.listen.filter((l) => l.port === 53)).toHaveLength(4);
  });
});
