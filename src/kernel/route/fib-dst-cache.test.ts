// Fib.lookup() keeps its answers per destination under the namespace's own device test (routeUsable()), as the
// kernel's dst cache does, and must drop them whenever the kernel would flush: a route or rule change, a device
// going up or down. The oracle is the same lookup under an equal device test of another identity, never kept.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { buildWorld } from '../netns/build-world.js';
import type { Netns } from '../netns/netns.js';
import type { FibRoute, FibRule, FlowKey } from './fib.js';
import { routeUsable } from './route-output.js';
import { parseRoute } from './route-syntax.js';
import { ip, routerWorld } from '../../../test/support/specs.js';

const routeOf = (text: string): FibRoute => {
  const p = parseRoute(text);
  if (!p.ok) throw new Error(p.error);
  const r = p.value;
  return { type: r.type, dst: r.dst.addr, len: r.dst.len, table: r.table, dev: r.dev ?? null, gw: r.via ?? null, prefsrc: null, metric: r.metric, scope: 0, proto: 'boot', onlink: false, mtu: null };
};
const rule = (extra: Partial<FibRule>): Omit<FibRule, 'priority'> & { priority?: number } => ({
  not: false, src: 0, srcLen: 0, dst: 0, dstLen: 0, iif: null, oif: null, mark: 0, markMask: 0, tos: 0, action: 'lookup', table: 100, ...extra,
});

const ROUTES = ['10.9.0.0/16 dev eth1', '10.9.3.0/24 dev eth0', '10.9.3.7/32 dev eth1 table 100', 'default dev eth1 table 100', 'blackhole 10.9.4.0/24'];
const DSTS = ['10.0.1.2', '10.0.2.2', '10.9.3.7', '10.9.3.8', '10.9.4.1', '10.9.200.1', '8.8.8.8', '10.0.1.1', '127.0.0.1'].map(ip);

type Op =
  | { op: 'addRoute' | 'deleteRoute'; i: number }
  | { op: 'addRule' | 'replaceRule'; mark: number; prio: number }
  | { op: 'deleteRule'; prio: number }
  | { op: 'down' | 'up'; dev: 'eth0' | 'eth1' };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ op: fc.constantFrom('addRoute' as const, 'deleteRoute' as const), i: fc.nat(ROUTES.length - 1) }),
  fc.record({ op: fc.constantFrom('addRule' as const, 'replaceRule' as const), mark: fc.constantFrom(0, 1), prio: fc.constantFrom(50, 60) }),
  fc.record({ op: fc.constant('deleteRule' as const), prio: fc.constantFrom(50, 60) }),
  fc.record({ op: fc.constantFrom('down' as const, 'up' as const), dev: fc.constantFrom('eth0' as const, 'eth1' as const) }),
);

/** Every destination, mark and output device, kept and plain: kept answers are made before the first change. */
function expectSameAnswers(ns: Netns): void {
  const usable = routeUsable(ns);
  const plain = (r: FibRoute): boolean => usable(r);
  for (const dst of DSTS) {
    for (const mark of [0, 1]) {
      for (const oif of ['eth0', null]) {
        const key: FlowKey = { dst, src: ip('10.0.1.2'), iif: 'lo', oif, mark, tos: 0 };
        expect(ns.fib.lookup(key, usable)).toEqual(ns.fib.lookup(key, plain));
      }
    }
  }
}

describe('Fib.lookup() answers kept per destination', () => {
  it('answer as an uncached lookup after any sequence of route, rule and link changes', () => {
    fc.assert(fc.property(fc.array(opArb, { minLength: 10, maxLength: 30 }), (ops) => {
      const ns = buildWorld(routerWorld()).netns('router')!;
      expectSameAnswers(ns);
      for (const o of ops) {
        switch (o.op) {
          case 'addRoute': ns.fib.insertRoute(routeOf(ROUTES[o.i]), { create: true, excl: false, replace: false, append: true }); break;
          case 'deleteRoute': { const r = routeOf(ROUTES[o.i]); ns.fib.deleteRoute({ dst: r.dst, len: r.len, table: r.table }); break; }
          // A mark selector (mark 1) or none (mark 0): a rule of each kind at the same place keeps the list's length.
          case 'addRule': ns.fib.addRule(rule({ priority: o.prio, mark: o.mark, markMask: o.mark })); break;
          case 'deleteRule': ns.fib.deleteRule({ priority: o.prio }); break;
          // `ip rule del` then `ip rule add` with no lookup between: the rule list keeps its length.
          case 'replaceRule':
            ns.fib.deleteRule({ priority: o.prio });
            ns.fib.addRule(rule({ priority: o.prio, mark: o.mark, markMask: o.mark }));
            break;
          case 'down': ns.linkDown(ns.device(o.dev)!); break;
          case 'up': ns.linkUp(ns.device(o.dev)!); break;
        }
        expectSameAnswers(ns);
      }
    }), { numRuns: 200, seed: 1103 });
  });
});
