import { describe, expect, it } from 'vitest';
import { RT_TABLE_MAIN } from '../netns/world-spec.js';
import { Fib } from './fib.js';
import type { FibRoute, FibRule, FlowKey } from './fib.js';

// Fib.lookup() skips ruleMatches() for rules without selectors; the list of such rules is a snapshot that
// must follow every change of the rule list.
const every = (): boolean => true;
const route = (dst: number, len: number, table: number, dev: string): FibRoute => ({
  type: 'unicast', dst, len, table, dev, gw: null, prefsrc: null, metric: 0, scope: 0, proto: 'boot', onlink: false, mtu: null,
});
const rule = (extra: Partial<FibRule>): Omit<FibRule, 'priority'> & { priority?: number } => ({
  not: false, src: 0, srcLen: 0, dst: 0, dstLen: 0, iif: null, oif: null, mark: 0, markMask: 0, tos: 0, action: 'lookup', table: RT_TABLE_MAIN, ...extra,
});
const flow = (mark: number): FlowKey => ({ dst: 0x0a000001, src: 0, iif: 'lo', oif: null, mark, tos: 0 });

describe('Fib.lookup with selector-less rules', () => {
  it('follows rules added and deleted after lookups', () => {
    const fib = new Fib();
    fib.addRoute(route(0, 0, RT_TABLE_MAIN, 'eth0'));
    fib.addRoute(route(0, 0, 100, 'eth1'));
    const dev = (mark: number) => {
      const r = fib.lookup(flow(mark), every);
      return r.ok ? r.route.dev : r.error;
    };
    expect(dev(0)).toBe('eth0');
    fib.addRule(rule({ priority: 100, mark: 1, markMask: 0xffffffff, table: 100 }));
    expect(dev(1)).toBe('eth1');
    expect(dev(0)).toBe('eth0');
    // A selector-less rule in front catches everything.
    fib.addRule(rule({ priority: 50, table: 100 }));
    expect(dev(0)).toBe('eth1');
    // Inverted, it matches nothing.
    fib.deleteRule({ priority: 50 });
    fib.addRule(rule({ priority: 50, table: 100, not: true }));
    expect(dev(0)).toBe('eth0');
    expect(dev(1)).toBe('eth1');
    // Same length as before, another rule at the index: still decided by ruleMatches().
    fib.deleteRule({ priority: 50 });
    fib.addRule(rule({ priority: 50, action: 'prohibit', iif: 'eth9' }));
    expect(dev(0)).toBe('eth0');
    fib.deleteRule({ priority: 50 });
    fib.addRule(rule({ priority: 50, action: 'prohibit' }));
    expect(dev(0)).toBe('EACCES');
  });
});
