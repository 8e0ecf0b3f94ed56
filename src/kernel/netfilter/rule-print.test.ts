// Rule text in, iptables-save text out: every pair below was produced by the real iptables-restore /
// iptables-save 1.8.9 (nf_tables) in a scratch network namespace.

import { describe, expect, it } from 'vitest';
import { restore } from './restore-apply.js';
import { printSave } from './save-print.js';
import { ruleBasicWords, ruleComment, ruleMatchWords, rulePrinted, ruleSpecText, ruleText } from './rule-print.js';

const FILTER: ReadonlyArray<readonly [string, string]> = [
  ['-p tcp -j REJECT --reject-with tcp-reset', '-p tcp -j REJECT --reject-with tcp-reset'],
  ['-j REJECT', '-j REJECT --reject-with icmp-port-unreachable'],
  ['-j REJECT --reject-with port-unreach', '-j REJECT --reject-with icmp-port-unreachable'],
  ['-m physdev ! --physdev-out veth+ --physdev-is-in -j ACCEPT', '-m physdev --physdev-is-in ! --physdev-out veth+ -j ACCEPT'],
  ['-m physdev --physdev-in veth1 --physdev-is-bridged -j ACCEPT', '-m physdev --physdev-in veth1 --physdev-is-bridged -j ACCEPT'],
  ['-m conntrack --ctstate ESTABLISHED,RELATED,NEW,INVALID,UNTRACKED,SNAT -j ACCEPT', '-m conntrack --ctstate INVALID,NEW,RELATED,ESTABLISHED,UNTRACKED,SNAT -j ACCEPT'],
  ['-m state --state ESTABLISHED,RELATED -j ACCEPT', '-m state --state RELATED,ESTABLISHED -j ACCEPT'],
  ['-p tcp --dport 22 -j ACCEPT', '-p tcp -m tcp --dport 22 -j ACCEPT'],
  ['-p tcp ! --dport 22:30 --sport 1 -j ACCEPT', '-p tcp -m tcp --sport 1 ! --dport 22:30 -j ACCEPT'],
  ['-p udp -m multiport ! --sports 1,2,3 -j ACCEPT', '-p udp -m multiport ! --sports 1,2,3 -j ACCEPT'],
  ['-m mark --mark 1/0xff -j ACCEPT', '-m mark --mark 0x1/0xff -j ACCEPT'],
  ['-s 10.0.0.0/255.0.255.0 -j ACCEPT', '-s 10.0.0.0/255.0.255.0 -j ACCEPT'],
  ['-s 10.0.0.5/24 -j ACCEPT', '-s 10.0.0.0/24 -j ACCEPT'],
  ['-s 0.0.0.0/0 -j ACCEPT', '-j ACCEPT'],
  ['-s 1.2.3 -j ACCEPT', '-s 1.2.3.0/32 -j ACCEPT'],
  ['-p all -j ACCEPT', '-j ACCEPT'],
  ['-p 6 -j ACCEPT', '-p tcp -j ACCEPT'],
  ['-p TCP -j ACCEPT', '-p tcp -j ACCEPT'],
  ['-s 10.0.0.1 -d 10.1.0.0/255.255.0.0 -p 47 -j RETURN', '-s 10.0.0.1/32 -d 10.1.0.0/16 -p gre -j RETURN'],
  ['-i eth+ ! -o docker0 -f -j RETURN', '-i eth+ ! -o docker0 -f -j RETURN'],
  ['! -p tcp -j ACCEPT', '! -p tcp -j ACCEPT'],
  ['-m addrtype --src-type BLACKHOLE,UNREACHABLE,PROHIBIT,THROW,NAT,XRESOLVE,UNSPEC,BROADCAST,ANYCAST,MULTICAST -j ACCEPT',
    '-m addrtype --src-type UNSPEC,BROADCAST,ANYCAST,MULTICAST,BLACKHOLE,UNREACHABLE,PROHIBIT,THROW,NAT,XRESOLVE -j ACCEPT'],
  ['-m addrtype ! --dst-type LOCAL ! --src-type LOCAL -j ACCEPT', '-m addrtype ! --src-type LOCAL ! --dst-type LOCAL -j ACCEPT'],
  ['-m addrtype --dst-type LOCAL --limit-iface-in -j RETURN', '-m addrtype --dst-type LOCAL --limit-iface-in -j RETURN'],
  ['-m comment --comment "a\'b\\"c\\\\d" -j ACCEPT', '-m comment --comment "a\\\'b\\"c\\\\d" -j ACCEPT'],
  ['-m comment --comment a_b-9 -j ACCEPT', '-m comment --comment a_b-9 -j ACCEPT'],
  ['-m comment --comment ""', '-m comment --comment ""'],
  ['-m comment --comment ns2/svc2:p80 -m tcp -p tcp -d 127.0.0.0/8 --dport 3001 -j ACCEPT', '-d 127.0.0.0/8 -p tcp -m comment --comment "ns2/svc2:p80" -m tcp --dport 3001 -j ACCEPT'],
  ['-m statistic --mode random --probability 0.3333333333 -j ACCEPT', '-m statistic --mode random --probability 0.33333333349 -j ACCEPT'],
  ['-m statistic --mode random --probability 0.5000000000 -j ACCEPT', '-m statistic --mode random --probability 0.50000000000 -j ACCEPT'],
  ['-m statistic --mode random --probability 1 -j ACCEPT', '-m statistic --mode random --probability 1.00000000000 -j ACCEPT'],
  ['-m statistic --mode random --probability 0.0000099999 -j ACCEPT', '-m statistic --mode random --probability 0.00001000008 -j ACCEPT'],
  ['-m statistic --mode nth --every 3 --packet 1 -j RETURN', '-m statistic --mode nth --every 3 --packet 1 -j RETURN'],
  ['-m recent --update --seconds 60 --hitcount 3 --name X --rdest -j DROP', '-m recent --update --seconds 60 --hitcount 3 --name X --mask 255.255.255.255 --rdest -j DROP'],
  ['-m recent --remove -j DROP', '-m recent --remove --name DEFAULT --mask 255.255.255.255 --rsource -j DROP'],
  ['-m recent --set --mask 255.255.255.0 -j DROP', '-m recent --set --name DEFAULT --mask 255.255.255.0 --rsource -j DROP'],
  ['-m recent ! --rcheck --rttl -j DROP', '-m recent ! --rcheck --rttl --name DEFAULT --mask 255.255.255.255 --rsource -j DROP'],
  ['-m recent --name KUBE-SEP --rcheck --seconds 10800 --reap -j ACCEPT', '-m recent --rcheck --seconds 10800 --reap --name KUBE-SEP --mask 255.255.255.255 --rsource -j ACCEPT'],
  ['-j LOG --log-level debug --log-prefix x', '-j LOG --log-prefix x --log-level 7'],
  ['-j LOG --log-prefix "hello: " --log-level 4', '-j LOG --log-prefix "hello: "'],
  ['-j LOG --log-prefix "abc def" --log-level info --log-uid --log-ip-options --log-tcp-options --log-macdecode',
    '-j LOG --log-prefix "abc def" --log-level 6 --log-tcp-options --log-ip-options --log-uid --log-macdecode'],
  ['-p tcp --tcp-flags ALL NONE -j DROP', '-p tcp -m tcp --tcp-flags FIN,SYN,RST,PSH,ACK,URG NONE -j DROP'],
  ['-p tcp --tcp-flags SYN,FIN SYN,FIN -j DROP', '-p tcp -m tcp --tcp-flags FIN,SYN FIN,SYN -j DROP'],
  ['-p tcp ! --syn -j DROP', '-p tcp -m tcp ! --tcp-flags FIN,SYN,RST,ACK SYN -j DROP'],
  ['-p icmp --icmp-type any -j DROP', '-p icmp -m icmp --icmp-type any -j DROP'],
  ['-p icmp --icmp-type echo-request -j DROP', '-p icmp -m icmp --icmp-type 8 -j DROP'],
  ['-p icmp --icmp-type port-unreachable -j DROP', '-p icmp -m icmp --icmp-type 3/3 -j DROP'],
  ['-p icmp ! --icmp-type 0 -j DROP', '-p icmp -m icmp ! --icmp-type 0 -j DROP'],
  ['-m conntrack --ctstatus EXPECTED,SEEN_REPLY,ASSURED,CONFIRMED -j DROP', '-m conntrack --ctstatus EXPECTED,SEEN_REPLY,ASSURED,CONFIRMED -j DROP'],
  ['-m conntrack --ctorigsrc 10.0.0.0/8 --ctrepldst 2.2.2.2/32 --ctorigsrcport 5:6 --ctreplsrcport 7 --ctrepldstport 8 --ctexpire 5:10 --ctproto udp -j DROP',
    '-m conntrack --ctproto 17 --ctorigsrc 10.0.0.0/8 --ctrepldst 2.2.2.2 --ctorigsrcport 5:6 --ctreplsrcport 7 --ctrepldstport 8 --ctexpire 5:10 -j DROP'],
  ['-m conntrack ! --ctreplsrc 1.1.1.1 ! --ctorigdstport 80 -j DROP', '-m conntrack ! --ctreplsrc 1.1.1.1 ! --ctorigdstport 80 -j DROP'],
  ['-m conntrack --ctstatus ASSURED --ctorigdst 1.2.3.4 --ctorigdstport 80 --ctdir ORIGINAL -j RETURN', '-m conntrack --ctorigdst 1.2.3.4 --ctorigdstport 80 --ctstatus ASSURED --ctdir ORIGINAL -j RETURN'],
  ['-m tcp -p tcp -j ACCEPT', '-p tcp -m tcp -j ACCEPT'],
  ['-p tcp --dport http -j ACCEPT', '-p tcp -m tcp --dport 80 -j ACCEPT'],
  ['-p tcp --dport :5 -j ACCEPT', '-p tcp -m tcp --dport 0:5 -j ACCEPT'],
  ['-p tcp --dport 5: -j ACCEPT', '-p tcp -m tcp --dport 5:65535 -j ACCEPT'],
  ['-m connmark ! --mark 0x1/0x1 -j ACCEPT', '-m connmark ! --mark 0x1/0x1 -j ACCEPT'],
  ['-j MARK --set-mark 1', '-j MARK --set-xmark 0x1/0xffffffff'],
  ['-j MARK --or-mark 0x4000', '-j MARK --set-xmark 0x4000/0x4000'],
  ['-j MARK --xor-mark 0x4000', '-j MARK --set-xmark 0x4000/0x0'],
  ['-j MARK --and-mark 0xff', '-j MARK --set-xmark 0x0/0xffffff00'],
  ['-j CONNMARK --restore-mark', '-j CONNMARK --restore-mark --nfmask 0xffffffff --ctmask 0xffffffff'],
  ['-j CONNMARK --set-mark 5', '-j CONNMARK --set-xmark 0x5/0xffffffff'],
  ['-j CONNMARK --set-mark 0x1/0xf', '-j CONNMARK --set-xmark 0x1/0xf'],
  ['-j CONNMARK --save-mark --mask 0xff', '-j CONNMARK --save-mark --nfmask 0xff --ctmask 0xff'],
  ['-j CONNMARK --restore-mark --nfmask 0xff --ctmask 0xff', '-j CONNMARK --restore-mark --nfmask 0xff --ctmask 0xff'],
  ['-j X', '-j X'],
  ['-g X', '-g X'],
  ['', ''],
  // statistic_save() always prints --packet, 0 included.
  ['-m statistic --mode nth --every 2 --packet 0', '-m statistic --mode nth --every 2 --packet 0'],
  ['-m statistic --mode nth ! --every 2 --packet 0', '-m statistic --mode nth ! --every 2 --packet 0'],
  // conntrack addresses keep their host bits; a non-contiguous mask is not printed.
  ['-m conntrack --ctorigdst 10.1.2.3/8', '-m conntrack --ctorigdst 10.1.2.3/8'],
  ['-m conntrack --ctorigdst 10.1.2.3/255.0.255.0', '-m conntrack --ctorigdst 10.1.2.3'],
  ['-m conntrack ! --ctorigsrc 10.1.2.3/0.0.0.255', '-m conntrack ! --ctorigsrc 10.1.2.3'],
  ['-m conntrack --ctorigsrc 10.1.2.3/255.255.0.0 --ctrepldst 10.1.2.3/32 --ctreplsrc 10.1.2.3/0', '-m conntrack --ctorigsrc 10.1.2.3/16 --ctreplsrc 10.1.2.3/0 --ctrepldst 10.1.2.3'],
  // iptables-nft stores tcp/udp ports as payload compares: `! 0:Q` is `> Q`, a full range is nothing.
  ['-p tcp ! --dport 0:1000', '-p tcp -m tcp --dport 1001:65535'],
  ['-p tcp ! --sport :1000', '-p tcp -m tcp --sport 1001:65535'],
  ['-p tcp ! --dport 1000:65535', '-p tcp -m tcp ! --dport 1000:65535'],
  ['-p tcp ! --dport 0', '-p tcp -m tcp ! --dport 0'],
  ['-p tcp ! --dport 0:65534', '-p tcp -m tcp --dport 65535'],
  ['-p tcp --dport 0:65535', '-p tcp -m tcp'],
  ['-p tcp ! --dport 0:65535', '-p tcp'],
  ['-p tcp --syn ! --dport 0:65535', '-p tcp -m tcp --tcp-flags FIN,SYN,RST,ACK SYN'],
  ['-p tcp ! --dport 0:1000 ! --sport 0:1000 --syn', '-p tcp -m tcp --sport 1001:65535 --dport 1001:65535 --tcp-flags FIN,SYN,RST,ACK SYN'],
  ['-p udp ! --dport 0:1000', '-p udp -m udp --dport 1001:65535'],
  ['-p udp --dport 0:65535', '-p udp -m udp'],
  ['-p udp ! --sport 0:65535 --dport 0:65535', '-p udp'],
  // With --tcp-option the tcp match stays an xt match and is printed as given (tcp_save()).
  ['-p tcp ! --dport 0:1000 --tcp-option 5', '-p tcp -m tcp ! --dport 0:1000 --tcp-option 5'],
  ['-p tcp --tcp-flags NONE SYN --tcp-option 5', '-p tcp -m tcp --tcp-option 5'],
  ['-p tcp ! --tcp-flags NONE NONE --tcp-option 5', '-p tcp -m tcp --tcp-option 5 ! --tcp-flags NONE NONE'],
  // An empty flags mask adds no expression.
  ['-p tcp --tcp-flags NONE SYN', '-p tcp'],
  ['-p tcp ! --tcp-flags NONE NONE', '-p tcp'],
  ['-p tcp --tcp-flags NONE NONE --dport 80', '-p tcp -m tcp --dport 80'],
  ['-p tcp --tcp-flags SYN NONE', '-p tcp -m tcp --tcp-flags SYN NONE'],
  // A bare `-i +` adds no expression; `! -i +` is kept.
  ['-i + -j ACCEPT', '-j ACCEPT'],
  ['! -i +', '! -i +'],
  ['! -o + -i eth+', '-i eth+ ! -o +'],
  // Port words: tcp and multiport read numbers as strtoul(.., 0) and names for their protocol; udp and
  // conntrack take decimal numbers and names of any protocol.
  ['-p tcp --dport 0x10', '-p tcp -m tcp --dport 16'],
  ['-p tcp --dport 010', '-p tcp -m tcp --dport 8'],
  ['-p udp --dport 010', '-p udp -m udp --dport 10'],
  ['-p udp --dport http', '-p udp -m udp --dport 80'],
  ['-p udp --sport ssh:smtp', '-p udp -m udp --sport 22:25'],
  ['-p udp -m multiport --dports 0x10', '-p udp -m multiport --dports 16'],
  ['-p udp -m multiport --dports https,domain,syslog,snmp', '-p udp -m multiport --dports 443,53,514,161'],
  ['-p tcp -m multiport --dports https,domain,syslog,snmp,imap,www,mail', '-p tcp -m multiport --dports 443,53,514,161,143,80,25'],
  ['-m conntrack --ctorigdstport ntp --ctorigsrcport http', '-m conntrack --ctorigsrcport 80 --ctorigdstport 123'],
  ['-m conntrack --ctorigdstport 010', '-m conntrack --ctorigdstport 10'],
  // udp and conntrack numbers go through getaddrinfo(): the low 16 bits are kept, a reversed range stays.
  ['-p udp --dport 70000', '-p udp -m udp --dport 4464'],
  ['-p udp --dport 4294967296', '-p udp -m udp --dport 0'],
  ['-p udp --dport 65536:', '-p udp -m udp'],
  ['-p udp --dport 10:5 ! --sport 10:5', '-p udp -m udp ! --sport 10:5 --dport 10:5'],
  ['-m conntrack --ctorigdstport 70000', '-m conntrack --ctorigdstport 4464'],
  ['-m conntrack --ctorigdstport 10:5', '-m conntrack --ctorigdstport 10:5'],
  ['-p tcp --tcp-option 255', '-p tcp -m tcp --tcp-option 255'],
];

const NAT: ReadonlyArray<readonly [string, string]> = [
  ['-m recent --name KUBE-SEP --set -m tcp -p tcp -j DNAT --to-destination 10.180.0.3:80', '-p tcp -m recent --set --name KUBE-SEP --mask 255.255.255.255 --rsource -m tcp -j DNAT --to-destination 10.180.0.3:80'],
  ['-p tcp -j DNAT --to-destination 10.0.0.1-10.0.0.5:80-90 --random --persistent', '-p tcp -j DNAT --to-destination 10.0.0.1-10.0.0.5:80-90 --random --persistent'],
  ['-j SNAT --to-source 1.2.3.4 --random-fully', '-j SNAT --to-source 1.2.3.4 --random-fully'],
  ['-p tcp -j REDIRECT --to-ports 8080', '-p tcp -j REDIRECT --to-ports 8080'],
  ['-p tcp -j MASQUERADE --random-fully', '-p tcp -j MASQUERADE --random-fully'],
  ['-p udp -m udp --sport 5:10 ! --dport 53 -j MASQUERADE --to-ports 1000-2000 --random', '-p udp -m udp --sport 5:10 ! --dport 53 -j MASQUERADE --to-ports 1000-2000 --random'],
  ['-d 127.0.0.0/8 ! -s 127.0.0.0/8 -m conntrack ! --ctstate RELATED,ESTABLISHED,DNAT -j RETURN', '! -s 127.0.0.0/8 -d 127.0.0.0/8 -m conntrack ! --ctstate RELATED,ESTABLISHED,DNAT -j RETURN'],
  // NAT ports need -p tcp, udp, sctp, dccp or icmp; the inversion is not looked at.
  ['-p icmp -j DNAT --to-destination 10.0.0.1:80', '-p icmp -j DNAT --to-destination 10.0.0.1:80'],
  ['-p icmp -j SNAT --to-source 10.0.0.1:80', '-p icmp -j SNAT --to-source 10.0.0.1:80'],
  ['! -p tcp -j REDIRECT --to-ports 80', '! -p tcp -j REDIRECT --to-ports 80'],
  ['! -p udp -j MASQUERADE --to-ports 80', '! -p udp -j MASQUERADE --to-ports 80'],
  ['-p sctp -j DNAT --to-destination 10.0.0.1:80', '-p sctp -j DNAT --to-destination 10.0.0.1:80'],
];

const RAW: ReadonlyArray<readonly [string, string]> = [
  ['-j CT --notrack', '-j CT --notrack'],
  ['-j NOTRACK', '-j NOTRACK'],
  ['-j TRACE', '-j TRACE'],
];

function savedRule(table: string, spec: string): string {
  const text = `*${table}\n:USER - [0:0]\n:X - [0:0]\n-A USER ${spec}\nCOMMIT\n`;
  const { ruleset, errors } = restore(text);
  expect(errors).toEqual([]);
  const line = printSave(ruleset).split('\n').find((l) => l.startsWith('-A USER'));
  return (line ?? '').replace(/^-A USER ?/, '');
}

describe('iptables-save form of a rule (recorded from iptables 1.8.9 nf_tables)', () => {
  for (const [table, cases] of [['filter', FILTER], ['nat', NAT], ['raw', RAW]] as const) {
    for (const [input, expected] of cases) {
      it(`${table}: ${input || '(empty)'}`, () => expect(savedRule(table, input)).toBe(expected));
    }
  }
});

describe('rule text printed once per rule', () => {
  it('the same rule object prints the same text again, under the chain it is asked for', () => {
    const r = restore('*filter\n:FORWARD ACCEPT [0:0]\n-A FORWARD -s 10.0.0.0/8 -p tcp --dport 80 -m comment --comment web -j ACCEPT\nCOMMIT\n');
    expect(r.errors).toEqual([]);
    const rule = r.ruleset.tables.get('filter')!.chains.get('FORWARD')!.rules[0];
    const text = '-A FORWARD -s 10.0.0.0/8 -p tcp -m tcp --dport 80 -m comment --comment web -j ACCEPT';
    expect(ruleText('FORWARD', rule)).toBe(text);
    expect(ruleText('FORWARD', rule)).toBe(text);
    expect(ruleText('OTHER', rule)).toBe(text.replace('FORWARD', 'OTHER'));
    expect(ruleText('FORWARD', rule)).toBe(text);
    expect(ruleSpecText(rule)).toBe(text.slice('-A FORWARD '.length));
    expect(ruleBasicWords(rule)).toEqual(['-s 10.0.0.0/8', '-p tcp']);
    expect(ruleComment(rule)).toBe('web');
  });
});

describe('rulePrinted (the text, comment and fact lines kept per rule object)', () => {
  const rule = () => {
    const { ruleset, errors } = restore('*filter\n:X - [0:0]\n:Y - [0:0]\n-A X -p tcp -m comment --comment "c" -m tcp --dport 80 -j ACCEPT\nCOMMIT\n');
    expect(errors).toEqual([]);
    return ruleset.tables.get('filter')!.chains.get('X')!.rules[0];
  };
  it('is kept for its chain and remade, with its fact lines, when asked for another', () => {
    const r = rule();
    const x = rulePrinted('X', r);
    expect(rulePrinted('X', r)).toBe(x);
    expect(x.text).toBe(ruleText('X', r));
    expect(x.comment).toBe(ruleComment(r));
    expect(x.matchFact()).toBe('match  -A X -p tcp -m comment --comment c -m tcp --dport 80 -j ACCEPT');
    expect(x.noMatchFact('-m tcp --dport 80')).toBe('no match  -A X -p tcp -m comment --comment c -m tcp --dport 80 -j ACCEPT   (fails -m tcp --dport 80)');
    expect(x.noMatchFact('-p tcp')).toBe('no match  -A X -p tcp -m comment --comment c -m tcp --dport 80 -j ACCEPT   (fails -p tcp)');
    const y = rulePrinted('Y', r);
    expect(y).not.toBe(x);
    expect(y.text).toBe('-A Y -p tcp -m comment --comment c -m tcp --dport 80 -j ACCEPT');
    expect(y.matchFact()).toBe('match  -A Y -p tcp -m comment --comment c -m tcp --dport 80 -j ACCEPT');
    expect(y.noMatchFact('-m tcp --dport 80')).toContain('-A Y ');
  });
  it('ruleMatchWords prints each match as the save text does', () => {
    const r = rule();
    expect(ruleMatchWords(r)).toEqual(['-m comment --comment c', '-m tcp --dport 80']);
    expect(ruleSpecText(r)).toBe(`-p tcp ${ruleMatchWords(r).join(' ')} -j ACCEPT`);
  });
});
