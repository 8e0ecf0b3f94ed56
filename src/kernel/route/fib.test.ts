import { describe, expect, it } from 'vitest';
import { buildWorld } from '../netns/build-world.js';
import type { NetnsSpec, WorldSpec } from '../netns/world-spec.js';
import { RT_TABLE_DEFAULT, RT_TABLE_LOCAL, RT_TABLE_MAIN } from '../netns/world-spec.js';
import { formatIpv4 } from '../../wire/ipv4-addr.js';
import { Fib } from './fib.js';
import type { FibRoute, FibRule, FlowKey } from './fib.js';
import { ipRouteInput } from './route-input.js';
import { ipRouteOutput } from './route-output.js';
import { routeGet } from './route-get.js';
import { parseRoute } from './route-syntax.js';
import { parseRule } from './rule-syntax.js';
import { describeRoute } from './route-text.js';
import { addr, ip, ns, veth } from '../../../test/support/specs.js';

const every = (): boolean => true;

function fibRoute(dst: string, extra: Partial<FibRoute> = {}): FibRoute {
  const p = addr(dst === 'default' ? '0.0.0.0/0' : dst);
  return {
    type: 'unicast', dst: p.addr, len: p.len, table: RT_TABLE_MAIN, dev: 'eth0', gw: null, prefsrc: null, metric: 0,
    scope: 0, proto: 'boot', onlink: false, mtu: null, ...extra,
  };
}

function flow(dst: string, extra: Partial<FlowKey> = {}): FlowKey {
  return { dst: ip(dst), src: 0, iif: 'lo', oif: null, mark: 0, tos: 0, ...extra };
}

function rule(text: string, priority?: number): Omit<FibRule, 'priority'> & { priority?: number } {
  const p = parseRule(text);
  if (!p.ok) throw new Error(`${text}: ${p.error}`);
  const r = p.value;
  return {
    priority: priority ?? r.priority, not: r.not, src: r.from?.addr ?? 0, srcLen: r.from?.len ?? 0, dst: r.to?.addr ?? 0,
    dstLen: r.to?.len ?? 0, iif: r.iif ?? null, oif: r.oif ?? null, mark: r.fwmark?.value ?? 0, markMask: r.fwmark?.mask ?? 0,
    tos: r.tos ?? 0, action: r.action, table: r.table ?? RT_TABLE_MAIN,
  };
}

/** The gateway a lookup picked, "ERRNO" when it failed. */
function gwOf(fib: Fib, key: FlowKey): string {
  const res = fib.lookup(key, every);
  if (!res.ok) return res.error;
  return res.route.gw === null ? `dev ${res.route.dev}` : formatIpv4(res.route.gw);
}

describe('fib_table_lookup', () => {
  const fib = new Fib();
  fib.addRoute(fibRoute('default', { gw: ip('10.0.0.1') }));
  fib.addRoute(fibRoute('10.0.0.0/8', { gw: ip('10.0.0.8') }));
  fib.addRoute(fibRoute('10.1.2.0/24', { gw: ip('10.0.0.24') }));
  fib.addRoute(fibRoute('10.1.0.0/16', { gw: ip('10.0.0.16') }));
  fib.addRoute(fibRoute('10.1.2.3/32', { gw: ip('10.0.0.32') }));

  it.each([
    ['10.1.2.3', '10.0.0.32'],
    ['10.1.2.4', '10.0.0.24'],
    ['10.1.3.1', '10.0.0.16'],
    ['10.200.0.1', '10.0.0.8'],
    ['192.0.2.1', '10.0.0.1'],
  ])('picks the longest prefix covering %s, whatever the order routes were added in', (dst, gw) => {
    expect(gwOf(fib, flow(dst))).toBe(gw);
  });

  it('breaks a tie between equal prefixes by the lowest metric, in either order of insertion', () => {
    for (const order of [[300, 100, 200], [100, 300, 200], [200, 300, 100]]) {
      const f = new Fib();
      for (const metric of order) f.addRoute(fibRoute('10.5.0.0/16', { metric, gw: ip(`10.0.0.${metric % 255}`) }));
      expect(gwOf(f, flow('10.5.1.1'))).toBe('10.0.0.100');
    }
  });

  it('lets a longer prefix win over a lower metric', () => {
    const f = new Fib();
    f.addRoute(fibRoute('10.5.0.0/16', { metric: 0, gw: ip('10.0.0.16') }));
    f.addRoute(fibRoute('10.5.1.0/24', { metric: 1000, gw: ip('10.0.0.24') }));
    expect(gwOf(f, flow('10.5.1.1'))).toBe('10.0.0.24');
  });

  it('falls back to a shorter prefix when the longest one cannot be used', () => {
    const f = new Fib();
    f.addRoute(fibRoute('10.5.0.0/16', { dev: 'eth0', gw: ip('10.0.0.16') }));
    f.addRoute(fibRoute('10.5.1.0/24', { dev: 'eth1', gw: ip('10.0.0.24') }));
    const res = f.lookup(flow('10.5.1.1'), (r) => r.dev !== 'eth1');
    expect(res.ok && res.route.gw).toBe(ip('10.0.0.16'));
  });
});

describe('fib rules', () => {
  it('starts with local, main and default at 0, 32766 and 32767', () => {
    expect(new Fib().rules.map((r) => [r.priority, r.table])).toEqual([[0, RT_TABLE_LOCAL], [32766, RT_TABLE_MAIN], [32767, RT_TABLE_DEFAULT]]);
  });

  it('gives rules without a priority 32765, 32764, ... and keeps the list ordered (measured)', () => {
    const fib = new Fib();
    expect(fib.addRule(rule('from 10.0.98.0/24 lookup 102')).priority).toBe(32765);
    expect(fib.addRule(rule('from 10.0.97.0/24 lookup 103')).priority).toBe(32764);
    fib.addRule(rule('from 10.0.96.0/24 lookup 104', 40000));
    expect(fib.addRule(rule('from 10.0.95.0/24 lookup 105')).priority).toBe(32763);
    expect(fib.rules.map((r) => r.priority)).toEqual([0, 32763, 32764, 32765, 32766, 32767, 40000]);
  });

  it('gives priority 0 when the second rule is already at 0 (fib_default_rule_pref(), measured)', () => {
    const fib = new Fib();
    fib.addRule(rule('from 10.0.99.0/24 lookup 101', 0));
    expect(fib.addRule(rule('from 10.0.98.0/24 lookup 102')).priority).toBe(0);
    // Same priority: a new rule goes after the existing ones.
    expect(fib.rules.slice(0, 3).map((r) => r.table)).toEqual([RT_TABLE_LOCAL, 101, 102]);
  });

  it('consults rules in priority order, not in the order they were added', () => {
    const fib = new Fib();
    fib.addRoute(fibRoute('default', { table: 100, gw: ip('10.0.0.100') }));
    fib.addRoute(fibRoute('default', { table: 200, gw: ip('10.0.0.200') }));
    fib.addRoute(fibRoute('default', { gw: ip('10.0.0.254') }));
    fib.addRule(rule('lookup 200', 2000));
    fib.addRule(rule('lookup 100', 1000));
    expect(gwOf(fib, flow('192.0.2.1'))).toBe('10.0.0.100');
  });

  it('goes on to the next rule when a table has no route for the destination', () => {
    const fib = new Fib();
    fib.addRoute(fibRoute('10.8.0.0/16', { table: 100, gw: ip('10.0.0.100') }));
    fib.addRoute(fibRoute('default', { gw: ip('10.0.0.254') }));
    fib.addRule(rule('lookup 100', 100));
    expect(gwOf(fib, flow('10.8.1.1'))).toBe('10.0.0.100');
    expect(gwOf(fib, flow('10.9.1.1'))).toBe('10.0.0.254');
  });

  describe('selectors', () => {
    const fib = new Fib();
    fib.addRoute(fibRoute('default', { table: 100, gw: ip('10.0.0.100') }));
    const match = (text: string, key: FlowKey): boolean => fib.ruleMatches({ ...rule(text), priority: 1 }, key);

    it.each([
      ['from 10.0.3.0/24 lookup 100', flow('1.1.1.1', { src: ip('10.0.3.7') }), true],
      ['from 10.0.3.0/24 lookup 100', flow('1.1.1.1', { src: ip('10.0.4.7') }), false],
      ['to 10.8.0.0/16 lookup 100', flow('10.8.200.1'), true],
      ['to 10.8.0.0/16 lookup 100', flow('10.9.0.1'), false],
      ['iif eth1 lookup 100', flow('1.1.1.1', { iif: 'eth1' }), true],
      ['iif eth1 lookup 100', flow('1.1.1.1', { iif: 'eth0' }), false],
      ['oif eth1 lookup 100', flow('1.1.1.1', { oif: 'eth1' }), true],
      ['oif eth1 lookup 100', flow('1.1.1.1'), false],
      ['fwmark 0x10/0xf0 lookup 100', flow('1.1.1.1', { mark: 0x13 }), true],
      ['fwmark 0x10/0xf0 lookup 100', flow('1.1.1.1', { mark: 0x23 }), false],
      ['fwmark 0x4000 lookup 100', flow('1.1.1.1', { mark: 0x4000 }), true],
      ['fwmark 0x4000 lookup 100', flow('1.1.1.1', { mark: 0x4001 }), false],
      // Bits of the value outside the mask are not compared: (mark ^ flow mark) & mask (measured).
      ['fwmark 0x13/0x0f lookup 100', flow('1.1.1.1', { mark: 0x3 }), true],
      ['not from 10.0.3.0/24 lookup 100', flow('1.1.1.1', { src: ip('10.0.3.7') }), false],
      ['not from 10.0.3.0/24 lookup 100', flow('1.1.1.1', { src: ip('10.0.4.7') }), true],
      ['not iif lo lookup 100', flow('1.1.1.1', { iif: 'eth0' }), true],
      ['not iif lo lookup 100', flow('1.1.1.1'), false],
      // Every selector must match before `not` inverts the result.
      ['not from 10.0.3.0/24 to 10.8.0.0/16 lookup 100', flow('10.9.0.1', { src: ip('10.0.3.7') }), true],
      ['from 10.0.3.0/24 to 10.8.0.0/16 lookup 100', flow('10.9.0.1', { src: ip('10.0.3.7') }), false],
    ])('%s matching %o is %s', (text, key, expected) => {
      expect(match(text, key)).toBe(expected);
    });
  });
});

function parsed<T>(res: { ok: true; value: T } | { ok: false; error: string }, text: string): T {
  if (!res.ok) throw new Error(`${text}: ${res.error}`);
  return res.value;
}

/** h: eth0 10.0.1.2/24 (a: 10.0.1.1), eth1 10.0.2.2/24 (b: 10.0.2.1), main default via 10.0.1.1. */
function multihomed(opts: { routes?: string[]; rules?: string[]; sysctls?: Record<string, number>; noDefault?: boolean } = {}): WorldSpec {
  const h: NetnsSpec = ns('h', [veth('eth0', 'a/eth0', '10.0.1.2/24'), veth('eth1', 'b/eth0', '10.0.2.2/24')], {
    sysctls: opts.sysctls ?? {},
    routes: [...(opts.noDefault ? [] : ['default via 10.0.1.1']), ...(opts.routes ?? [])].map((t) => parsed(parseRoute(t), t)),
    rules: (opts.rules ?? []).map((t) => parsed(parseRule(t), t)),
  });
  return {
    name: 'fib',
    namespaces: [h, ns('a', [veth('eth0', 'h/eth0', '10.0.1.1/24')]), ns('b', [veth('eth0', 'h/eth1', '10.0.2.1/24')])],
  };
}

function get(spec: WorldSpec, dst: string, opts: { from?: string; iif?: string; mark?: number } = {}): string {
  const res = routeGet(buildWorld(spec), 'h', ip(dst), {
    ...(opts.from ? { from: ip(opts.from) } : {}),
    ...(opts.iif ? { iif: opts.iif } : {}),
    ...(opts.mark ? { mark: opts.mark } : {}),
  });
  return res.ok ? res.text.split('\n')[0] : res.error;
}

describe('policy routing in a namespace', () => {
  it('routes by `from` only once the source is known: a lookup with source 0 does not match (measured)', () => {
    const spec = multihomed({ routes: ['default via 10.0.2.1 table 100'], rules: ['from 10.0.2.2 lookup 100'] });
    expect(get(spec, '1.1.1.1')).toBe('1.1.1.1 via 10.0.1.1 dev eth0 src 10.0.1.2 uid 0');
    expect(get(spec, '1.1.1.1', { from: '10.0.2.2' })).toBe('1.1.1.1 from 10.0.2.2 via 10.0.2.1 dev eth1 table 100 uid 0');
  });

  it('gives Network is unreachable when only a `from` rule leads to a route and the source is not given', () => {
    const spec = multihomed({ noDefault: true, routes: ['10.8.0.0/16 via 10.0.2.1 table 100'], rules: ['from 10.0.2.2 lookup 100'] });
    expect(get(spec, '10.8.0.1')).toBe('RTNETLINK answers: Network is unreachable');
    expect(get(spec, '10.8.0.1', { from: '10.0.2.2' })).toBe('10.8.0.1 from 10.0.2.2 via 10.0.2.1 dev eth1 table 100 uid 0');
  });

  it('matches `iif lo` for locally generated traffic only (measured)', () => {
    const spec = multihomed({
      sysctls: { 'net.ipv4.ip_forward': 1 },
      routes: ['default via 10.0.2.1 table 100'],
      rules: ['iif lo lookup 100'],
    });
    expect(get(spec, '1.1.1.1')).toBe('1.1.1.1 via 10.0.2.1 dev eth1 table 100 src 10.0.2.2 uid 0');
    expect(get(spec, '1.1.1.1', { from: '10.0.1.9', iif: 'eth0' })).toBe('1.1.1.1 from 10.0.1.9 via 10.0.1.1 dev eth0');
  });

  it('selects by fwmark (SO_MARK) for output lookups', () => {
    const spec = multihomed({ routes: ['default via 10.0.2.1 table 100'], rules: ['fwmark 0x10/0xf0 lookup 100'] });
    expect(get(spec, '1.1.1.1', { mark: 0x13 })).toBe('1.1.1.1 via 10.0.2.1 dev eth1 table 100 src 10.0.2.2 mark 0x13 uid 0');
    expect(get(spec, '1.1.1.1', { mark: 0x23 })).toBe('1.1.1.1 via 10.0.1.1 dev eth0 src 10.0.1.2 mark 0x23 uid 0');
  });

  it('lets a table holding only a default route capture traffic for directly connected networks too', () => {
    const spec = multihomed({ routes: ['default via 10.0.2.1 table 100'], rules: ['from 10.0.2.2 lookup 100'] });
    expect(get(spec, '10.0.1.1', { from: '10.0.2.2' })).toBe('10.0.1.1 from 10.0.2.2 via 10.0.2.1 dev eth1 table 100 uid 0');
  });
});

describe('route types and rule actions', () => {
  const spec = multihomed({
    routes: ['blackhole 10.66.0.0/16', 'unreachable 10.67.0.0/16', 'prohibit 10.68.0.0/16', 'throw 10.69.0.0/16 table 100',
      '10.69.0.0/16 via 10.0.2.1', 'default via 10.0.2.1 table 100', 'throw 10.70.0.0/16'],
    rules: ['to 10.69.0.0/16 lookup 100', 'to 10.71.0.0/16 unreachable', 'to 10.72.0.0/16 prohibit', 'to 10.73.0.0/16 blackhole'],
  });

  it.each([
    ['10.66.0.1', 'RTNETLINK answers: Invalid argument'],
    ['10.67.0.1', 'RTNETLINK answers: No route to host'],
    ['10.68.0.1', 'RTNETLINK answers: Permission denied'],
    // throw in table 100 ends that table's lookup: the next rule (main) answers.
    ['10.69.0.1', '10.69.0.1 via 10.0.2.1 dev eth1 src 10.0.2.2 uid 0'],
    // throw in main, and nothing after it: no route.
    ['10.70.0.1', 'RTNETLINK answers: Network is unreachable'],
    // A rule's `unreachable` is ENETUNREACH, unlike the route type (measured).
    ['10.71.0.1', 'RTNETLINK answers: Network is unreachable'],
    ['10.72.0.1', 'RTNETLINK answers: Permission denied'],
    ['10.73.0.1', 'RTNETLINK answers: Invalid argument'],
  ])('output to %s', (dst, text) => {
    expect(get(spec, dst)).toBe(text);
  });

  it('turns route errors into the ICMP codes of ip_error() when forwarding', () => {
    const w = buildWorld({ ...spec, namespaces: spec.namespaces.map((n) => (n.name === 'h' ? { ...n, sysctls: { 'net.ipv4.ip_forward': 1 } } : n)) });
    const h = w.netns('h')!;
    const input = (dst: string) => ipRouteInput(h, { src: ip('10.0.1.1'), dst: ip(dst), iif: 'eth0', mark: 0, tos: 0 });
    expect(input('10.66.0.1')).toMatchObject({ kind: 'error', reason: 'BLACKHOLE_ROUTE', icmpCode: null });
    expect(input('10.67.0.1')).toMatchObject({ kind: 'error', reason: 'UNREACHABLE_ROUTE', icmpCode: 1 });
    expect(input('10.68.0.1')).toMatchObject({ kind: 'error', reason: 'PROHIBIT_ROUTE', icmpCode: 13 });
    expect(input('10.71.0.1')).toMatchObject({ kind: 'error', reason: 'IP_INNOROUTES', icmpCode: 0 });
    expect(input('10.73.0.1')).toMatchObject({ kind: 'error', icmpCode: null });
  });

  it('reports the rule that decided an output route', () => {
    const w = buildWorld(spec);
    const res = ipRouteOutput(w.netns('h')!, { dst: ip('10.71.0.1'), src: 0, mark: 0, tos: 0 });
    expect(res).toMatchObject({ ok: false, error: 'ENETUNREACH', rule: { priority: 32764, action: 'unreachable' } });
  });
});

describe('the table index follows every route change', () => {
  const key = (dst: string): FlowKey => ({ dst: ip(dst), src: 0, iif: null, oif: null, mark: 0, tos: 0 });
  const via = (fib: Fib, dst: string): string | undefined => {
    const r = fib.tableLookup(RT_TABLE_MAIN, key(dst), every);
    return r && `${formatIpv4(r.dst)}/${r.len} ${r.dev} ${r.metric}`;
  };

  it('add, insert, delete, remove by predicate and by device: each lookup after a change sees it', () => {
    const fib = new Fib();
    fib.addRoute(fibRoute('default', { dev: 'eth0' }));
    expect(via(fib, '10.1.2.3')).toBe('0.0.0.0/0 eth0 0');
    fib.addRoute(fibRoute('10.1.0.0/16', { dev: 'eth1' }));
    expect(via(fib, '10.1.2.3')).toBe('10.1.0.0/16 eth1 0');
    expect(via(fib, '10.2.0.1')).toBe('0.0.0.0/0 eth0 0');
    expect(fib.insertRoute(fibRoute('10.1.2.0/24', { dev: 'eth2', metric: 5 }), { create: true, excl: false, replace: false, append: false })).toBeNull();
    expect(via(fib, '10.1.2.3')).toBe('10.1.2.0/24 eth2 5');
    expect(fib.insertRoute(fibRoute('10.1.2.0/24', { dev: 'eth3', metric: 1 }), { create: true, excl: false, replace: false, append: false })).toBeNull();
    expect(via(fib, '10.1.2.3')).toBe('10.1.2.0/24 eth3 1');
    fib.deleteRoute({ dst: ip('10.1.2.0'), len: 24, table: RT_TABLE_MAIN, dev: 'eth3' });
    expect(via(fib, '10.1.2.3')).toBe('10.1.2.0/24 eth2 5');
    fib.removeRoutesWhere((r) => r.dev === 'eth2');
    expect(via(fib, '10.1.2.3')).toBe('10.1.0.0/16 eth1 0');
    fib.removeRoutesOf('eth1');
    expect(via(fib, '10.1.2.3')).toBe('0.0.0.0/0 eth0 0');
    fib.removeRoutesOf('eth0');
    expect(via(fib, '10.1.2.3')).toBeUndefined();
  });

  it('equal prefixes: the lowest metric, then the first added; an unusable route is passed over for a shorter one', () => {
    const fib = new Fib();
    fib.addRoute(fibRoute('10.0.0.0/8', { dev: 'eth9' }));
    fib.addRoute(fibRoute('10.1.0.0/16', { dev: 'eth0', metric: 10 }));
    fib.addRoute(fibRoute('10.1.0.0/16', { dev: 'eth1', metric: 10 }));
    expect(via(fib, '10.1.0.1')).toBe('10.1.0.0/16 eth0 10');
    fib.addRoute(fibRoute('10.1.0.0/16', { dev: 'eth2', metric: 3 }));
    expect(via(fib, '10.1.0.1')).toBe('10.1.0.0/16 eth2 3');
    const up = (r: FibRoute): boolean => r.dev === 'eth9';
    expect(fib.tableLookup(RT_TABLE_MAIN, key('10.1.0.1'), up)?.dev).toBe('eth9');
  });
});

describe('Fib.routeText() memo', () => {
  it('prints each route as describeRoute() does, and a replaced route as its replacement', () => {
    const fib = new Fib();
    const a = fibRoute('10.0.0.0/24', { gw: ip('10.0.1.1') });
    fib.addRoute(a);
    expect(fib.routeText(a)).toBe(describeRoute(a));
    expect(fib.routeText(a)).toBe('10.0.0.0/24 via 10.0.1.1 dev eth0');
    const b = fibRoute('10.0.0.0/24', { gw: ip('10.0.1.2'), table: 100 });
    expect(fib.insertRoute(b, { create: true, replace: false, excl: false, append: false })).toBeNull();
    expect(fib.routeText(b)).toBe('10.0.0.0/24 via 10.0.1.2 dev eth0 table 100');
    const hit = fib.lookup(flow('10.0.0.7'), every);
    expect(hit.ok && fib.routeText(hit.route)).toBe('10.0.0.0/24 via 10.0.1.1 dev eth0');
  });

  it('prints a multipath route\'s pick each time (a fresh object per lookup), as describeRoute() does', () => {
    const fib = new Fib();
    const mp = fibRoute('10.9.0.0/16', { dev: null, nexthops: [{ gw: ip('10.0.1.1'), dev: 'eth0', weight: 1, onlink: false }, { gw: ip('10.0.2.1'), dev: 'eth1', weight: 1, onlink: false }] });
    fib.addRoute(mp);
    expect(fib.routeText(mp)).toBe(describeRoute(mp));
    const hit = fib.lookup(flow('10.9.1.1'), every);
    expect(hit.ok).toBe(true);
    if (hit.ok) expect(fib.routeText(hit.route)).toBe(describeRoute(hit.route));
  });
});
