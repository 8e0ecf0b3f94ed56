// ip rule selectors ipproto, sport, dport, uidrange and suppress_prefixlength (fib_rule_match(),
// fib4_rule_match(), fib4_rule_suppress()). Every expected answer below was printed by `ip route get` on
// Linux 6.18 in a namespace built like this World (ip/iproute2 6.1; trailing blanks dropped).
import { describe, expect, it } from 'vitest';
import { buildWorld } from '../netns/build-world.js';
import type { RouteSpec, RuleSpec, WorldSpec } from '../netns/world-spec.js';
import { showRule } from '../show/ip-rule.js';
import { routeGet } from './route-get.js';
import type { RouteGetOptions } from './route-get.js';
import { parseRoute } from './route-syntax.js';
import { parseRule } from './rule-syntax.js';
import { ip, ns, veth } from '../../../test/support/specs.js';

const ok = <T>(p: { ok: true; value: T } | { ok: false; error: string }): T => {
  if (!p.ok) throw new Error(p.error);
  return p.value;
};
const r = (t: string): RouteSpec => ok(parseRoute(t));
const rule = (t: string): RuleSpec => ok(parseRule(t));

/** One namespace, two veth pairs with both ends inside, a WireGuard-like table 51820 behind wg-quick's rules. */
function world(forward: number): WorldSpec {
  return {
    name: 'rules',
    namespaces: [
      ns('r', [veth('e1', 'r/p1', '10.1.0.2/24'), veth('p1', 'r/e1'), veth('e2', 'r/p2', '10.2.0.2/24'), veth('p2', 'r/e2')], {
        sysctls: { 'net.ipv4.ip_forward': forward },
        routes: [
          r('default via 10.1.0.1 dev e1'),
          r('10.50.0.0/16 via 10.1.0.1 dev e1'),
          r('default via 10.2.0.1 dev e2 table 100'),
          r('default dev e2 table 51820'),
        ],
        rules: [
          rule('pref 100 ipproto udp dport 53 lookup 100'),
          rule('pref 101 ipproto tcp sport 1000-2000 lookup 100'),
          rule('pref 102 uidrange 1000-1999 lookup 100'),
          rule('pref 103 ipproto tcp dport 8080 prohibit'),
          rule('pref 104 not ipproto icmp dport 7000-7010 unreachable'),
          rule('pref 199 table main suppress_prefixlength 0'),
          rule('pref 200 not fwmark 0xca6c table 51820'),
        ],
      }),
    ],
  };
}

/** `ip route get` words after the destination, as the kernel test typed them. */
function opts(words: string[]): RouteGetOptions {
  const o: RouteGetOptions = {};
  for (let i = 0; i < words.length; i += 2) {
    const [k, v] = [words[i], words[i + 1]];
    if (k === 'ipproto') o.proto = v === 'tcp' ? 6 : v === 'udp' ? 17 : 1;
    else if (k === 'sport') o.sport = Number(v);
    else if (k === 'dport') o.dport = Number(v);
    else if (k === 'uid') o.uid = Number(v);
    else if (k === 'mark') o.mark = Number(v);
    else if (k === 'iif') o.iif = v;
    else if (k === 'from') o.from = ip(v);
  }
  return o;
}

const OUTPUT: [string, string][] = [
  ['10.9.9.9', 'RTNETLINK answers: Network is unreachable'],
  ['10.9.9.9 ipproto udp dport 53', '10.9.9.9 via 10.2.0.1 dev e2 table 100 src 10.2.0.2 uid 0 |    cache'],
  ['10.9.9.9 ipproto udp dport 54', 'RTNETLINK answers: Network is unreachable'],
  ['10.9.9.9 ipproto tcp sport 1500 dport 80', '10.9.9.9 via 10.2.0.1 dev e2 table 100 src 10.2.0.2 uid 0 |    cache'],
  ['10.9.9.9 ipproto tcp sport 2001 dport 80', 'RTNETLINK answers: Network is unreachable'],
  ['10.9.9.9 ipproto icmp dport 7005 uid 1000', '10.9.9.9 via 10.2.0.1 dev e2 table 100 src 10.2.0.2 uid 1000 |    cache'],
  ['10.9.9.9 ipproto icmp dport 7005 uid 2000', '10.9.9.9 dev e2 table 51820 src 10.2.0.2 uid 2000 |    cache'],
  ['10.9.9.9 ipproto tcp dport 8080', 'RTNETLINK answers: Permission denied'],
  ['10.9.9.9 ipproto udp dport 7005', 'RTNETLINK answers: Network is unreachable'],
  ['10.9.9.9 ipproto icmp dport 7005', '10.9.9.9 dev e2 table 51820 src 10.2.0.2 uid 0 |    cache'],
  ['10.9.9.9 ipproto icmp dport 7011', 'RTNETLINK answers: Network is unreachable'],
  ['10.50.1.1 ipproto icmp dport 7000', '10.50.1.1 via 10.1.0.1 dev e1 src 10.1.0.2 uid 0 |    cache'],
  ['10.50.1.1 ipproto icmp dport 7000 mark 51820', '10.50.1.1 via 10.1.0.1 dev e1 src 10.1.0.2 mark 0xca6c uid 0 |    cache'],
  ['10.9.9.9 ipproto icmp dport 7000 mark 51820', '10.9.9.9 via 10.1.0.1 dev e1 src 10.1.0.2 mark 0xca6c uid 0 |    cache'],
  ['10.1.0.7 ipproto icmp dport 7001', '10.1.0.7 dev e1 src 10.1.0.2 uid 0 |    cache'],
];

const INPUT: [string, string][] = [
  ['10.9.9.9 iif p1 from 10.1.0.1 ipproto udp dport 53', '10.9.9.9 from 10.1.0.1 via 10.2.0.1 dev e2 table 100 |    cache iif p1'],
  ['10.9.9.9 iif p1 from 10.1.0.1 ipproto tcp sport 1500 dport 53', '10.9.9.9 from 10.1.0.1 via 10.2.0.1 dev e2 table 100 |    cache iif p1'],
  ['10.9.9.9 iif p1 from 10.1.0.1 ipproto tcp dport 8080', 'RTNETLINK answers: Permission denied'],
  // The input path dissects an ICMP packet: no ports, so the inverted range rule matches.
  ['10.9.9.9 iif p1 from 10.1.0.1 ipproto icmp dport 7001', 'RTNETLINK answers: Network is unreachable'],
];

function get(w: WorldSpec, line: string): string {
  const [dst, ...rest] = line.split(' ');
  const res = routeGet(buildWorld(w), 'r', ip(dst), opts(rest));
  return res.ok ? res.text.split('\n').join(' |') : res.error;
}

describe('ip rule selectors against Linux 6.18', () => {
  it.each(OUTPUT)('ip route get %s', (line, want) => {
    expect(get(world(0), line)).toBe(want);
  });
  it.each(INPUT)('ip route get %s (forwarding on)', (line, want) => {
    expect(get(world(1), line)).toBe(want);
  });
  it('prints the rules as `ip rule` does', () => {
    expect(showRule(buildWorld(world(0)).netns('r')!).split('\n').slice(1, 8)).toEqual([
      '100:\tfrom all ipproto udp dport 53 lookup 100',
      '101:\tfrom all ipproto tcp sport 1000-2000 lookup 100',
      '102:\tfrom all uidrange 1000-1999 lookup 100',
      '103:\tfrom all ipproto tcp dport 8080 prohibit',
      '104:\tnot from all ipproto icmp dport 7000-7010 unreachable',
      '199:\tfrom all lookup main suppress_prefixlength 0',
      '200:\tnot from all fwmark 0xca6c lookup 51820',
    ]);
  });
});

describe('parseRule selectors', () => {
  it('reads names, numbers and ranges as iproute2 does', () => {
    expect(rule('ipproto 47 sport 10- dport 80 lookup 5')).toMatchObject({ ipproto: 47, sport: { start: 10, end: 10 }, dport: { start: 80, end: 80 } });
    expect(rule('uidrange 7-7 sup_pl 24 table main')).toMatchObject({ uidrange: { start: 7, end: 7 }, suppressPrefixlength: 24 });
  });
  it.each([
    ['ipproto foo lookup 5', 'Invalid "ipproto" value', 9],
    ['dport 0 lookup 5', 'Invalid dport range', 7],
    ['sport 2000-1000 lookup 5', 'Invalid sport range', 7],
    ['dport 65536 lookup 5', 'Invalid dport range', 7],
    ['uidrange 5 lookup 5', 'invalid UID range', 10],
    ['uidrange 9-5 lookup 5', 'Invalid uid range', 10],
    ['suppress_prefixlength -1 lookup 5', 'suppress_prefixlength value is invalid', 23],
  ])('refuses %s', (text, message, column) => {
    const p = parseRule(text);
    expect(p.ok).toBe(false);
    if (!p.ok) {
      expect(p.error).toContain(message);
      expect(p.column).toBe(column);
    }
  });
});
