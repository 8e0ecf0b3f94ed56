// The `nft -a monitor` parser, on lines captured from nftables 1.0.6 on Linux 6.18 in namespaces built by
// `net realize` (scenarios/service-spread.yaml, nat-router.yaml, bridge-hairpin.yaml), printed as they came;
// then the kernel's rule steps (rule-trace.ts kernelRuleSteps) read from them.

import { describe, expect, it } from 'vitest';

import { firstProbeEvents, kernelRuleSteps } from './rule-trace.js';
import { iptablesRuleOf, parseIptablesSaveRules, parseNftHandles, parseNftTrace, parseNftTraceLine } from './nft-trace-parse.js';

/** service-spread: a SYN to the ClusterIP through KUBE-SERVICES, KUBE-SVC-WEB (random) and KUBE-SEP-WEB2. */
const SERVICE_SPREAD_TRACE = `trace id 1f6fb786 ip packetwalk_trace prerouting packet: iif "cni0" ether saddr c2:32:f8:9c:95:2a ether daddr 0a:58:0a:f4:00:01 ip saddr 10.244.0.2 ip daddr 10.96.0.100 ip dscp cs0 ip ecn not-ect ip ttl 64 ip id 35384 ip length 60 tcp sport 48556 tcp dport 80 tcp flags == syn tcp window 64240
trace id 1f6fb786 ip packetwalk_trace prerouting rule meta nftrace set 1 # handle 3 (verdict continue)
trace id 1f6fb786 ip packetwalk_trace prerouting policy accept
trace id 1f6fb786 ip nat PREROUTING packet: iif "cni0" ether saddr c2:32:f8:9c:95:2a ether daddr 0a:58:0a:f4:00:01 ip saddr 10.244.0.2 ip daddr 10.96.0.100 ip dscp cs0 ip ecn not-ect ip ttl 64 ip id 35384 ip length 60 tcp sport 48556 tcp dport 80 tcp flags == syn tcp window 64240
trace id 1f6fb786 ip nat PREROUTING rule  counter packets 0 bytes 0 jump KUBE-SERVICES # handle 10 (verdict jump KUBE-SERVICES)
trace id 1f6fb786 ip nat KUBE-SERVICES rule meta l4proto tcp ip daddr 10.96.0.100  tcp dport 80 counter packets 0 bytes 0 jump KUBE-SVC-WEB # handle 11 (verdict jump KUBE-SVC-WEB)
trace id 1f6fb786 ip nat KUBE-SVC-WEB rule  meta random & 2147483647 < 1073741824 counter packets 0 bytes 0 jump KUBE-SEP-WEB2 # handle 13 (verdict jump KUBE-SEP-WEB2)
trace id 1f6fb786 ip nat KUBE-SEP-WEB2 rule meta l4proto tcp   counter packets 0 bytes 0 dnat to 10.244.0.12:8080 # handle 16 (verdict accept)
trace id 1f6fb786 ip nat POSTROUTING packet: oif "cni0" @ll,0,112 0xee0326de29c3c232f89c952a0800 ip saddr 10.244.0.2 ip daddr 10.244.0.12 ip dscp cs0 ip ecn not-ect ip ttl 64 ip id 35384 ip length 60 tcp sport 48556 tcp dport 8080 tcp flags == syn tcp window 64240
trace id 1f6fb786 ip nat POSTROUTING policy accept
trace id 3395db77 ip packetwalk_trace prerouting packet: iif "cni0" ether saddr ee:03:26:de:29:c3 ether daddr c2:32:f8:9c:95:2a ip saddr 10.244.0.12 ip daddr 10.244.0.2 ip dscp cs0 ip ecn not-ect ip ttl 64 ip id 0 ip length 40 tcp sport 8080 tcp dport 48556 tcp flags == 0x14 tcp window 0
trace id 3395db77 ip packetwalk_trace prerouting rule meta nftrace set 1 # handle 3 (verdict continue)
trace id 3395db77 ip packetwalk_trace prerouting policy accept`;

/** `nft -a list table ip nat` in that namespace afterwards. */
const SERVICE_SPREAD_NFT = `table ip nat { # handle 1
	chain PREROUTING { # handle 1
		type nat hook prerouting priority dstnat; policy accept;
		 counter packets 1 bytes 60 jump KUBE-SERVICES # handle 10
	}

	chain INPUT { # handle 2
		type nat hook input priority 100; policy accept;
	}

	chain OUTPUT { # handle 3
		type nat hook output priority -100; policy accept;
	}

	chain POSTROUTING { # handle 4
		type nat hook postrouting priority srcnat; policy accept;
	}

	chain KUBE-SERVICES { # handle 5
		meta l4proto tcp ip daddr 10.96.0.100  tcp dport 80 counter packets 1 bytes 60 jump KUBE-SVC-WEB # handle 11
	}

	chain KUBE-SVC-WEB { # handle 6
		 meta random & 2147483647 < 715827883 counter packets 0 bytes 0 jump KUBE-SEP-WEB1 # handle 12
		 meta random & 2147483647 < 1073741824 counter packets 1 bytes 60 jump KUBE-SEP-WEB2 # handle 13
		 counter packets 0 bytes 0 jump KUBE-SEP-WEB3 # handle 14
	}

	chain KUBE-SEP-WEB1 { # handle 7
		meta l4proto tcp   counter packets 0 bytes 0 dnat to 10.244.0.11:8080 # handle 15
	}

	chain KUBE-SEP-WEB2 { # handle 8
		meta l4proto tcp   counter packets 1 bytes 60 dnat to 10.244.0.12:8080 # handle 16
	}

	chain KUBE-SEP-WEB3 { # handle 9
		meta l4proto tcp   counter packets 0 bytes 0 dnat to 10.244.0.13:8080 # handle 17
	}
}`;

/** `iptables-save -t nat` in that namespace afterwards. */
const SERVICE_SPREAD_SAVE = `*nat
:PREROUTING ACCEPT [0:0]
:INPUT ACCEPT [0:0]
:OUTPUT ACCEPT [1:40]
:POSTROUTING ACCEPT [2:100]
:KUBE-SEP-WEB1 - [0:0]
:KUBE-SEP-WEB2 - [0:0]
:KUBE-SEP-WEB3 - [0:0]
:KUBE-SERVICES - [0:0]
:KUBE-SVC-WEB - [0:0]
-A PREROUTING -m comment --comment "kubernetes service portals" -j KUBE-SERVICES
-A KUBE-SEP-WEB1 -p tcp -m comment --comment "default/web:http" -m tcp -j DNAT --to-destination 10.244.0.11:8080
-A KUBE-SEP-WEB2 -p tcp -m comment --comment "default/web:http" -m tcp -j DNAT --to-destination 10.244.0.12:8080
-A KUBE-SEP-WEB3 -p tcp -m comment --comment "default/web:http" -m tcp -j DNAT --to-destination 10.244.0.13:8080
-A KUBE-SERVICES -d 10.96.0.100/32 -p tcp -m comment --comment "default/web:http cluster IP" -m tcp --dport 80 -j KUBE-SVC-WEB
-A KUBE-SVC-WEB -m comment --comment "default/web:http -> 10.244.0.11:8080" -m statistic --mode random --probability 0.33333333349 -j KUBE-SEP-WEB1
-A KUBE-SVC-WEB -m comment --comment "default/web:http -> 10.244.0.12:8080" -m statistic --mode random --probability 0.50000000000 -j KUBE-SEP-WEB2
-A KUBE-SVC-WEB -m comment --comment "default/web:http -> 10.244.0.13:8080" -j KUBE-SEP-WEB3
COMMIT`;

/** nat-router: `nft -a monitor` (all events) while our table is added, then a SYN DNATed to the router's ssh. */
const NAT_ROUTER_MONITOR = `add table ip packetwalk_trace # handle 3
add chain ip packetwalk_trace prerouting { type filter hook prerouting priority -350; policy accept; } # handle 1
add chain ip packetwalk_trace output { type filter hook output priority -350; policy accept; } # handle 2
add rule ip packetwalk_trace prerouting meta nftrace set 1 # handle 3
add rule ip packetwalk_trace output meta nftrace set 1 # handle 4
# new generation 4 by process 14961 (nft)
trace id e0eb494d ip packetwalk_trace prerouting packet: iif "eth1" ether saddr ba:37:90:0f:cc:0b ether daddr ae:5e:b2:17:44:19 ip saddr 10.0.2.2 ip daddr 10.0.2.1 ip dscp cs0 ip ecn not-ect ip ttl 64 ip id 12428 ip length 60 tcp sport 54460 tcp dport 2222 tcp flags == syn tcp window 64240
trace id e0eb494d ip packetwalk_trace prerouting unknown rule handle 3 (verdict continue)
trace id e0eb494d ip packetwalk_trace prerouting policy accept
trace id e0eb494d ip nat PREROUTING packet: iif "eth1" ether saddr ba:37:90:0f:cc:0b ether daddr ae:5e:b2:17:44:19 ip saddr 10.0.2.2 ip daddr 10.0.2.1 ip dscp cs0 ip ecn not-ect ip ttl 64 ip id 12428 ip length 60 tcp sport 54460 tcp dport 2222 tcp flags == syn tcp window 64240
trace id e0eb494d ip nat PREROUTING rule ip daddr 10.0.2.1 tcp dport 2222 counter packets 0 bytes 0 dnat to 10.0.1.1:22 # handle 6 (verdict accept)
trace id e0eb494d ip filter INPUT packet: iif "eth1" ether saddr ba:37:90:0f:cc:0b ether daddr ae:5e:b2:17:44:19 ip saddr 10.0.2.2 ip daddr 10.0.1.1 ip dscp cs0 ip ecn not-ect ip ttl 64 ip id 12428 ip length 60 tcp sport 54460 tcp dport 22 tcp flags == syn tcp window 64240
trace id e0eb494d ip filter INPUT policy accept
trace id e0eb494d ip nat INPUT packet: iif "eth1" ether saddr ba:37:90:0f:cc:0b ether daddr ae:5e:b2:17:44:19 ip saddr 10.0.2.2 ip daddr 10.0.1.1 ip dscp cs0 ip ecn not-ect ip ttl 64 ip id 12428 ip length 60 tcp sport 54460 tcp dport 22 tcp flags == syn tcp window 64240
trace id e0eb494d ip nat INPUT policy accept
trace id 6d5ed995 ip packetwalk_trace output packet: oif "eth1" ip saddr 10.0.1.1 ip daddr 10.0.2.2 ip dscp cs0 ip ecn not-ect ip ttl 64 ip id 0 ip length 40 tcp sport 22 tcp dport 54460 tcp flags == 0x14 tcp window 0
trace id 6d5ed995 ip packetwalk_trace output unknown rule handle 4 (verdict continue)
trace id 6d5ed995 ip packetwalk_trace output policy accept
trace id 6d5ed995 ip filter OUTPUT packet: oif "eth1" ip saddr 10.0.1.1 ip daddr 10.0.2.2 ip dscp cs0 ip ecn not-ect ip ttl 64 ip id 0 ip length 40 tcp sport 22 tcp dport 54460 tcp flags == 0x14 tcp window 0
trace id 6d5ed995 ip filter OUTPUT policy accept`;

/** bridge-hairpin: an IGMP report first, then SYNs bridged through br_netfilter's PREROUTING and POSTROUTING. */
const BRIDGE_HAIRPIN_TRACE = `trace id 4154c608 ip packetwalk_trace output packet: oif "br0" ip saddr 10.10.0.1 ip daddr 224.0.0.22 ip dscp cs6 ip ecn not-ect ip ttl 1 ip id 0 ip length 40 @nh,160,32 0x94040000 igmp type membership-report-v3 igmp mrt 0 @th,16,112 0xf9930000000104000000e000006a
trace id 4154c608 ip packetwalk_trace output rule meta nftrace set 1 # handle 4 (verdict continue)
trace id 4154c608 ip packetwalk_trace output policy accept meta mark 0x000000d4
trace id 4154c608 ip nat OUTPUT packet: oif "br0" ip saddr 10.10.0.1 ip daddr 224.0.0.22 ip dscp cs6 ip ecn not-ect ip ttl 1 ip id 0 ip length 40 @nh,160,32 0x94040000 igmp type membership-report-v3 igmp mrt 0 @th,16,112 0xf9930000000104000000e000006a
trace id 4154c608 ip nat OUTPUT policy accept meta mark 0x000000d4
trace id 4154c608 ip nat POSTROUTING packet: iif "br0" oif "br0" ip saddr 10.10.0.1 ip daddr 224.0.0.22 ip dscp cs6 ip ecn not-ect ip ttl 1 ip id 0 ip length 40 @nh,160,32 0x94040000 igmp type membership-report-v3 igmp mrt 0 @th,16,112 0xf9930000000104000000e000006a
trace id 4154c608 ip nat POSTROUTING policy accept meta mark 0x000000d4
trace id 428dede0 ip packetwalk_trace prerouting packet: iif "br0" ether saddr 1e:18:b2:11:18:fc ether daddr 02:42:0a:0a:00:01 ip saddr 10.10.0.2 ip daddr 10.96.0.10 ip dscp cs0 ip ecn not-ect ip ttl 64 ip id 32045 ip length 60 tcp sport 50470 tcp dport 80 tcp flags == syn tcp window 64240
trace id 428dede0 ip packetwalk_trace prerouting rule meta nftrace set 1 # handle 3 (verdict continue)
trace id 428dede0 ip packetwalk_trace prerouting policy accept
trace id 428dede0 ip nat PREROUTING packet: iif "br0" ether saddr 1e:18:b2:11:18:fc ether daddr 02:42:0a:0a:00:01 ip saddr 10.10.0.2 ip daddr 10.96.0.10 ip dscp cs0 ip ecn not-ect ip ttl 64 ip id 32045 ip length 60 tcp sport 50470 tcp dport 80 tcp flags == syn tcp window 64240
trace id 428dede0 ip nat PREROUTING rule ip daddr 10.96.0.10 tcp dport 80 counter packets 0 bytes 0 dnat to 10.10.0.3:8080 # handle 5 (verdict accept)
trace id 428dede0 ip nat POSTROUTING packet: oif "br0" @ll,0,112 0xee8835105cd41e18b21118fc0800 ip saddr 10.10.0.2 ip daddr 10.10.0.3 ip dscp cs0 ip ecn not-ect ip ttl 64 ip id 32045 ip length 60 tcp sport 50470 tcp dport 8080 tcp flags == syn tcp window 64240
trace id 428dede0 ip nat POSTROUTING policy accept
trace id 31f57260 ip packetwalk_trace prerouting packet: iif "br0" ether saddr ee:88:35:10:5c:d4 ether daddr 1e:18:b2:11:18:fc ip saddr 10.10.0.3 ip daddr 10.10.0.2 ip dscp cs0 ip ecn not-ect ip ttl 64 ip id 0 ip length 40 tcp sport 8080 tcp dport 50470 tcp flags == 0x14 tcp window 0
trace id 31f57260 ip packetwalk_trace prerouting rule meta nftrace set 1 # handle 3 (verdict continue)
trace id 31f57260 ip packetwalk_trace prerouting policy accept
trace id 10d70851 ip packetwalk_trace prerouting packet: iif "br0" ether saddr ee:88:35:10:5c:d4 ether daddr 02:42:0a:0a:00:01 ip saddr 10.10.0.3 ip daddr 10.96.0.10 ip dscp cs0 ip ecn not-ect ip ttl 64 ip id 32365 ip length 60 tcp sport 47002 tcp dport 80 tcp flags == syn tcp window 64240
trace id 10d70851 ip packetwalk_trace prerouting rule meta nftrace set 1 # handle 3 (verdict continue)
trace id 10d70851 ip packetwalk_trace prerouting policy accept
trace id 10d70851 ip nat PREROUTING packet: iif "br0" ether saddr ee:88:35:10:5c:d4 ether daddr 02:42:0a:0a:00:01 ip saddr 10.10.0.3 ip daddr 10.96.0.10 ip dscp cs0 ip ecn not-ect ip ttl 64 ip id 32365 ip length 60 tcp sport 47002 tcp dport 80 tcp flags == syn tcp window 64240
trace id 10d70851 ip nat PREROUTING rule ip daddr 10.96.0.10 tcp dport 80 counter packets 0 bytes 0 dnat to 10.10.0.3:8080 # handle 5 (verdict accept)
trace id 10d70851 ip nat POSTROUTING packet: oif "br0" @ll,0,112 0xee8835105cd4ee8835105cd40800 ip saddr 10.10.0.3 ip daddr 10.10.0.3 ip dscp cs0 ip ecn not-ect ip ttl 64 ip id 32365 ip length 60 tcp sport 47002 tcp dport 8080 tcp flags == syn tcp window 64240
trace id 10d70851 ip nat POSTROUTING rule ip saddr 10.10.0.3 ip daddr 10.10.0.3 counter packets 0 bytes 0 masquerade # handle 7 (verdict accept)
trace id 49b5e10e ip packetwalk_trace prerouting packet: iif "br0" ether saddr ee:88:35:10:5c:d4 ether daddr 02:42:0a:0a:00:01 ip saddr 10.10.0.3 ip daddr 10.10.0.1 ip dscp cs0 ip ecn not-ect ip ttl 64 ip id 0 ip length 40 tcp sport 8080 tcp dport 47002 tcp flags == 0x14 tcp window 0
trace id 49b5e10e ip packetwalk_trace prerouting rule meta nftrace set 1 # handle 3 (verdict continue)
trace id 49b5e10e ip packetwalk_trace prerouting policy accept`;

describe('parseNftTraceLine', () => {
  it('reads a packet line', () => {
    const e = parseNftTraceLine(SERVICE_SPREAD_TRACE.split('\n').find((l) => l.includes('nat PREROUTING packet:')) ?? '');
    expect(e).toMatchObject({ id: '1f6fb786', family: 'ip', table: 'nat', chain: 'PREROUTING', kind: 'packet' });
    expect(e?.kind === 'packet' && e.packet).toMatch(/^iif "cni0" .* tcp flags == syn tcp window 64240$/);
  });

  it('reads a rule with its handle and a jump verdict', () => {
    expect(parseNftTraceLine('trace id 1f6fb786 ip nat KUBE-SERVICES rule meta l4proto tcp ip daddr 10.96.0.100  tcp dport 80 counter packets 0 bytes 0 jump KUBE-SVC-WEB # handle 11 (verdict jump KUBE-SVC-WEB)'))
      .toEqual({
        id: '1f6fb786', family: 'ip', table: 'nat', chain: 'KUBE-SERVICES', kind: 'rule', handle: 11,
        text: 'meta l4proto tcp ip daddr 10.96.0.100  tcp dport 80 counter packets 0 bytes 0 jump KUBE-SVC-WEB', verdict: 'jump KUBE-SVC-WEB',
      });
  });

  it('reads a rule nft has no text for, and a policy with a mark after it', () => {
    expect(parseNftTraceLine('trace id e0eb494d ip packetwalk_trace prerouting unknown rule handle 3 (verdict continue)'))
      .toMatchObject({ kind: 'rule', handle: 3, text: '', verdict: 'continue' });
    expect(parseNftTraceLine('trace id 4154c608 ip nat OUTPUT policy accept meta mark 0x000000d4 '))
      .toEqual({ id: '4154c608', family: 'ip', table: 'nat', chain: 'OUTPUT', kind: 'policy', verdict: 'accept' });
  });

  it('leaves ruleset events and other lines out', () => {
    expect(parseNftTraceLine('add table ip packetwalk_trace # handle 3')).toBeUndefined();
    expect(parseNftTraceLine('# new generation 4 by process 14961 (nft)')).toBeUndefined();
    expect(parseNftTrace(NAT_ROUTER_MONITOR).map((e) => `${e.table} ${e.chain} ${e.kind}`)).toEqual([
      'packetwalk_trace prerouting packet', 'packetwalk_trace prerouting rule', 'packetwalk_trace prerouting policy',
      'nat PREROUTING packet', 'nat PREROUTING rule', 'filter INPUT packet', 'filter INPUT policy', 'nat INPUT packet', 'nat INPUT policy',
      'packetwalk_trace output packet', 'packetwalk_trace output rule', 'packetwalk_trace output policy',
      'filter OUTPUT packet', 'filter OUTPUT policy',
    ]);
  });
});

describe('the iptables rule an nft handle names', () => {
  const handles = parseNftHandles(SERVICE_SPREAD_NFT);
  const saved = parseIptablesSaveRules(SERVICE_SPREAD_SAVE);

  it('lists each chain\'s handles in order, base chains with none', () => {
    expect(handles.get('ip nat')?.get('KUBE-SVC-WEB')).toEqual([12, 13, 14]);
    expect(handles.get('ip nat')?.get('INPUT')).toEqual([]);
  });

  it('maps a handle to the iptables-save line at its position', () => {
    expect(iptablesRuleOf(handles, saved, 'ip', 'nat', 'KUBE-SVC-WEB', 13)).toBe(
      '-A KUBE-SVC-WEB -m comment --comment "default/web:http -> 10.244.0.12:8080" -m statistic --mode random --probability 0.50000000000 -j KUBE-SEP-WEB2',
    );
    expect(iptablesRuleOf(handles, saved, 'ip', 'nat', 'PREROUTING', 10)).toBe('-A PREROUTING -m comment --comment "kubernetes service portals" -j KUBE-SERVICES');
    expect(iptablesRuleOf(handles, saved, 'ip', 'nat', 'PREROUTING', 99)).toBeUndefined();
  });
});

const SVC = '-A KUBE-SVC-WEB -m comment --comment "default/web:http -> 10.244.0.12:8080" -m statistic --mode random --probability 0.50000000000 -j KUBE-SEP-WEB2';

describe('kernelRuleSteps', () => {
  it('names each matched rule by its iptables-save line, under its hook chain', () => {
    const capture = { lines: SERVICE_SPREAD_TRACE.split('\n'), nftListing: SERVICE_SPREAD_NFT, iptablesSave: SERVICE_SPREAD_SAVE };
    expect(kernelRuleSteps(capture, { proto: 'tcp' })).toEqual([
      'nat PREROUTING: -A PREROUTING -m comment --comment "kubernetes service portals" -j KUBE-SERVICES',
      'nat PREROUTING: -A KUBE-SERVICES -d 10.96.0.100/32 -p tcp -m comment --comment "default/web:http cluster IP" -m tcp --dport 80 -j KUBE-SVC-WEB',
      `nat PREROUTING: ${SVC}`,
      'nat PREROUTING: -A KUBE-SEP-WEB2 -p tcp -m comment --comment "default/web:http" -m tcp -j DNAT --to-destination 10.244.0.12:8080',
      // POSTROUTING has no rules: its policy is no step, as the emulator makes no hop for it.
    ]);
  });

  it('skips a stray packet before the probe (an IGMP report)', () => {
    const first = firstProbeEvents(parseNftTrace(BRIDGE_HAIRPIN_TRACE), { proto: 'tcp' });
    expect(first[0]).toMatchObject({ id: '428dede0', kind: 'packet' });
  });

});

