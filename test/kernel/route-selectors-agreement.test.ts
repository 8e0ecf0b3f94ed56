// Kernel differential test for ECMP routes and the ip rule selectors ipproto, sport, dport, uidrange and
// suppress_prefixlength: two namespaces are realized (src/oracle/realize.ts) with a unique prefix and asked
// `ip route get` with flow keys (ipproto, sport, dport, uid, from, mark, iif), under several multipath hash
// seeds and policies; the emulator's routeGet() must print the same. Both ends of every veth stay inside the
// namespaces, nothing is sent, and everything is removed at the end (also on failure). Needs root and
// iproute2; without them the suite is skipped with the reason, or fails when PACKETWALK_KERNEL=required.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { buildWorld, routeGet } from '../../src/kernel/index.js';
import type { RouteGetOptions, RouteSpec, RuleSpec, WorldSpec } from '../../src/kernel/index.js';
import { parseRoute } from '../../src/kernel/route/route-syntax.js';
import { parseRule } from '../../src/kernel/route/rule-syntax.js';
import { kernelHasDummy, kernelUnavailable, netnsWithPrefix, oracleRealizeOptions, runSync } from '../../src/oracle/environment.js';
import { realizeCommands } from '../../src/oracle/realize.js';
import { ip, ns, veth } from '../support/specs.js';

const REQUIRED = process.env.PACKETWALK_KERNEL === 'required';
const PREFIX = `pwrs${process.pid}-`;

const unavailable = kernelUnavailable(`${PREFIX}probe`);
if (unavailable !== undefined) console.warn(`route selector agreement ${REQUIRED ? 'cannot run' : 'skipped'}: ${unavailable}`);
if (REQUIRED && unavailable !== undefined) {
  describe('route selector agreement (PACKETWALK_KERNEL=required)', () => {
    it('has a kernel to test against', () => {
      throw new Error(`PACKETWALK_KERNEL=required, but ${unavailable}`);
    });
  });
}

const ok = <T>(p: { ok: true; value: T } | { ok: false; error: string }): T => {
  if (!p.ok) throw new Error(p.error);
  return p.value;
};
const r = (t: string): RouteSpec => ok(parseRoute(t));
const rule = (t: string): RuleSpec => ok(parseRule(t));

/** `r`: rules; `m`: multipath routes. Both ends of each veth pair in the same namespace. */
function world(mSysctls: Record<string, number>): WorldSpec {
  return {
    name: 'route-selectors',
    namespaces: [
      ns('r', [veth('e1', 'r/p1', '10.1.0.2/24'), veth('p1', 'r/e1'), veth('e2', 'r/p2', '10.2.0.2/24'), veth('p2', 'r/e2')], {
        sysctls: { 'net.ipv4.ip_forward': 1 },
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
      ns('m', [
        veth('e1', 'm/p1', '10.1.0.2/24'), veth('p1', 'm/e1'), veth('e2', 'm/p2', '10.2.0.2/24'), veth('p2', 'm/e2'),
        veth('e3', 'm/p3', '10.3.0.2/24'), veth('p3', 'm/e3'),
      ], {
        sysctls: { 'net.ipv4.ip_forward': 1, ...mSysctls },
        routes: [
          r('10.9.0.0/24 nexthop via 10.1.0.1 dev e1 weight 1 nexthop via 10.2.0.1 dev e2 weight 2 nexthop via 10.3.0.1 dev e3 weight 5'),
          r('10.8.0.0/16 nexthop via 10.1.0.1 dev e1 nexthop via 10.2.0.1 dev e2'),
        ],
      }),
    ],
  };
}

const RULE_QUERIES = [
  '10.9.9.9', '10.9.9.9 ipproto udp dport 53', '10.9.9.9 ipproto udp dport 54', '10.9.9.9 ipproto tcp sport 1500 dport 80',
  '10.9.9.9 ipproto tcp sport 2001 dport 80', '10.9.9.9 ipproto icmp dport 7005 uid 1000', '10.9.9.9 ipproto icmp dport 7005 uid 2000',
  '10.9.9.9 ipproto tcp dport 8080', '10.9.9.9 ipproto icmp dport 7011', '10.50.1.1 ipproto icmp dport 7000 mark 0xca6c',
  '10.9.9.9 ipproto icmp dport 7000 mark 0xca6c', '10.1.0.7 ipproto icmp dport 7001',
  '10.9.9.9 iif p1 from 10.1.0.1 ipproto udp dport 53', '10.9.9.9 iif p1 from 10.1.0.1 ipproto tcp dport 8080',
  '10.9.9.9 iif p1 from 10.1.0.1 ipproto icmp dport 7001',
];

function multipathQueries(): string[] {
  const out: string[] = [];
  for (let i = 1; i <= 24; i++) out.push(`10.9.0.${i * 10}`, `10.8.${i}.1 ipproto tcp sport ${30000 + i * 7} dport 443`);
  for (let i = 1; i <= 6; i++) out.push(`10.9.0.${i} from 10.2.0.2`, `10.9.0.${i} iif p1 from 10.1.0.1 ipproto udp sport ${i * 1000} dport 53`);
  return out;
}

const PROTO: Record<string, number> = { tcp: 6, udp: 17, icmp: 1 };

function options(words: string[]): RouteGetOptions {
  const o: RouteGetOptions = {};
  for (let i = 0; i < words.length; i += 2) {
    const [k, v] = [words[i], words[i + 1]];
    if (k === 'ipproto') o.proto = PROTO[v];
    else if (k === 'sport' || k === 'dport' || k === 'uid') o[k] = Number(v);
    else if (k === 'mark') o.mark = Number(v);
    else if (k === 'iif') o.iif = v;
    else if (k === 'from') o.from = ip(v);
  }
  return o;
}

const normalize = (s: string): string => s.replace(/\s+/g, ' ').trim();

function kernelGet(netns: string, query: string): string {
  const res = runSync('ip', ['-n', `${PREFIX}${netns}`, 'route', 'get', ...query.split(' ')], 5000);
  return normalize(res.code === 0 ? res.out : res.err);
}

function emulatorGet(spec: WorldSpec, netns: string, query: string): string {
  const [dst, ...rest] = query.split(' ');
  const res = routeGet(buildWorld(spec), netns, ip(dst), options(rest));
  return normalize(res.ok ? res.text : res.error);
}

describe.skipIf(unavailable !== undefined)(`route selector agreement${unavailable !== undefined ? ` (skipped: ${unavailable})` : ''}`, () => {
  const base = world({});
  let built = false;

  beforeAll(() => {
    expect(netnsWithPrefix(PREFIX), 'no leftovers of an earlier run').toEqual([]);
    const { up } = realizeCommands(base, PREFIX, oracleRealizeOptions(kernelHasDummy(`${PREFIX}probe`)));
    const res = runSync('bash', ['-euo', 'pipefail', '-c', up.join('\n')], 60_000);
    built = true;
    if (res.code !== 0) throw new Error(`realize failed: ${res.err}`);
  });

  afterAll(() => {
    if (!built) return;
    for (const n of netnsWithPrefix(PREFIX)) runSync('ip', ['netns', 'del', n], 10_000);
  });

  it('answers ip route get alike through the rule selectors', () => {
    const differ = RULE_QUERIES.map((q) => [q, kernelGet('r', q), emulatorGet(base, 'r', q)]).filter(([, k, e]) => k !== e);
    expect(differ).toEqual([]);
  });

  it.each([[0, 3], [0, 77777], [1, 3], [1, 77777], [2, 5]])('takes the same nexthops under policy %i, seed %i', (policy, seed) => {
    const set = runSync('ip', ['netns', 'exec', `${PREFIX}m`, 'sysctl', '-qw',
      `net.ipv4.fib_multipath_hash_policy=${policy}`, `net.ipv4.fib_multipath_hash_seed=${seed}`], 5000);
    expect(set.code, set.err).toBe(0);
    const spec = world({ 'net.ipv4.fib_multipath_hash_policy': policy, 'net.ipv4.fib_multipath_hash_seed': seed });
    const answers = multipathQueries().map((q) => [q, kernelGet('m', q), emulatorGet(spec, 'm', q)]);
    expect(answers.filter(([, k, e]) => k !== e)).toEqual([]);
    // Not a degenerate world: the 10.9.0.0/24 answers use all three nexthops.
    expect(new Set(answers.map(([, k]) => / dev (e\d) /.exec(k)?.[1])).size).toBeGreaterThanOrEqual(3);
  });

  it('prints multipath routes as ip route does', () => {
    const res = runSync('ip', ['-n', `${PREFIX}m`, 'route', 'show', '10.9.0.0/24'], 5000);
    expect(res.out).toBe('10.9.0.0/24 \n\tnexthop via 10.1.0.1 dev e1 weight 1 \n\tnexthop via 10.2.0.1 dev e2 weight 2 \n\tnexthop via 10.3.0.1 dev e3 weight 5 \n');
  });
});
