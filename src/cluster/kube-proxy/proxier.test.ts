import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Ruleset } from '../../kernel/netfilter/index.js';
import { emptyRuleset, restore } from '../../kernel/netfilter/index.js';
import { applyHookJumps, applySync, canaryLost, natChainNames } from './apply.js';
import { IptablesProxier } from './proxier.js';
import { renderSync } from './render.js';
import type { SyncPlan } from './proxier.js';
import { fakeConfig, slice, svc } from './testing.js';

const SVC1 = 'KUBE-SVC-XPGD46QRK7WJZT7O'; // ns1/svc1:p80
const SVC2 = 'KUBE-SVC-2VJB64SDSIJUP5T6'; // ns2/svc2:p8080
const SEP1 = 'KUBE-SEP-SNQ3ZNILQDEJNDQO'; // 10.0.1.1:80

function node() {
  const p = new IptablesProxier(fakeConfig());
  let rs: Ruleset = emptyRuleset();
  let now = 0;
  const sync = (): SyncPlan => {
    const plan = p.sync({ now: now++, existingNatChains: natChainNames(rs) });
    if (plan.full) rs = applyHookJumps(rs, plan.hookJumps).ruleset;
    const r = applySync(rs, plan.text);
    expect(r.errors).toEqual([]);
    rs = r.ruleset;
    return plan;
  };
  return { p, sync, rules: () => rs, chain: (t: 'nat' | 'filter', c: string) => rs.tables.get(t)?.chains.get(c), tick: (s: number) => (now += s) };
}

const svc2 = svc('ns2', 'svc2', { clusterIP: '172.30.0.42', ports: [{ name: 'p8080', port: 8080 }] });
const slice2 = slice('ns2', 'svc2', ['10.0.2.1'], { ports: [{ name: 'p8080', port: 8080, protocol: 'TCP' }] });

describe('IptablesProxier: full and partial syncs (TestSyncProxyRulesRepeated)', () => {
  it('first sync is full, with the hook jumps; then only changed Services\' chains are written', () => {
    const n = node();
    n.p.onServiceAdd(svc('ns1', 'svc1'));
    n.p.onServiceAdd(svc2);
    n.p.onEndpointSliceAdd(slice('ns1', 'svc1', ['10.0.1.1']));
    n.p.onEndpointSliceAdd(slice2);
    const first = n.sync();
    expect(first.full).toBe(true);
    expect(first.hookJumps.length).toBe(14);
    expect(first.text).toContain(`:${SVC1} - [0:0]`);
    expect(canaryLost(n.rules())).toBe(false);

    // A third Service: KUBE-SERVICES names all three, but only svc3's own chains are in the text.
    n.p.onServiceAdd(svc('ns3', 'svc3', { clusterIP: '172.30.0.43' }));
    n.p.onEndpointSliceAdd(slice('ns3', 'svc3', ['10.0.3.1']));
    const second = n.sync();
    expect([second.full, second.hookJumps, [...second.changedServices]]).toEqual([false, [], ['ns3/svc3']]);
    expect(second.text).not.toContain(`:${SVC1}`);
    expect(second.text).toContain(`-A KUBE-SERVICES -m comment --comment "ns1/svc1:p80 cluster IP" -m tcp -p tcp -d 172.30.0.41 --dport 80 -j ${SVC1}`);
    expect(second.text).toMatch(/:KUBE-SVC-\S+ - \[0:0\]/);
    // svc1's chains kept their rules in the kernel.
    expect(n.chain('nat', SVC1)?.rules.length).toBe(2);
    expect(n.chain('nat', SEP1)?.rules.length).toBe(2);

    // svc2 goes away: its chains are flushed and deleted (`:C` then `-X C`).
    n.p.onServiceDelete(svc2);
    n.p.onEndpointSliceDelete(slice2);
    const third = n.sync();
    expect(third.deletedChains).toEqual([SVC2, 'KUBE-SEP-UHEGFW77JX3KXTOV'].sort());
    expect(third.text).toContain(`:${SVC2} - [0:0]`);
    expect(third.text).toContain(`-X ${SVC2}`);
    expect(n.chain('nat', SVC2)).toBeUndefined();
    expect(n.chain('nat', SVC1)?.rules.length).toBe(2);

    // An update kube-proxy does not see (targetPort) is dropped by the tracker: nothing changed.
    n.p.onServiceUpdate(svc('ns1', 'svc1'), svc('ns1', 'svc1', { ports: [{ name: 'p80', port: 80, targetPort: 8080 }] }));
    expect(n.p.pending()).toBe(false);
    const fourth = n.sync();
    expect([...fourth.changedServices]).toEqual([]);
    expect(fourth.text).not.toMatch(/:KUBE-(SVC|SEP)-/);

    // A new endpoint for svc1: its chains are rewritten and nothing is stale.
    n.p.onEndpointSliceUpdate(slice('ns1', 'svc1', ['10.0.1.1', '10.0.1.2']));
    const fifth = n.sync();
    expect([...fifth.changedServices]).toEqual(['ns1/svc1']);
    expect(n.chain('nat', SVC1)?.rules.length).toBe(3);
    expect(fifth.deletedChains).toEqual([]);

    // The endpoint moves: the old SEP chain is deleted.
    n.p.onEndpointSliceUpdate(slice('ns1', 'svc1', ['10.0.1.2']));
    const sixth = n.sync();
    expect(sixth.deletedChains).toEqual([SEP1]);
    expect(n.chain('nat', SEP1)).toBeUndefined();
  });

  it('a failed restore, or a full sync period, makes the next sync full', () => {
    const n = node();
    n.p.onServiceAdd(svc('ns1', 'svc1'));
    expect(n.sync().full).toBe(true);
    expect(n.sync().full).toBe(false);
    n.p.syncFailed();
    expect(n.sync().full).toBe(true);
    n.tick(3600);
    const plan = n.sync();
    expect([plan.full, plan.changedServices.has('ns1/svc1')]).toEqual([true, true]);
  });

  it('a lost canary is seen (someone flushed the tables)', () => {
    const n = node();
    n.p.onServiceAdd(svc('ns1', 'svc1'));
    n.sync();
    const flushed = restore('*nat\n-X KUBE-PROXY-CANARY\nCOMMIT\n', n.rules(), { noflush: true });
    expect(flushed.errors).toEqual([]);
    expect(canaryLost(flushed.ruleset)).toBe(true);
  });

  it('large-cluster mode: the stale-chain clean-up runs at most once per sync period', () => {
    const p = new IptablesProxier(fakeConfig({ largeClusterEndpointsThreshold: 1, syncPeriodSeconds: 30 }));
    p.onServiceAdd(svc('ns1', 'svc1'));
    p.onEndpointSliceAdd(slice('ns1', 'svc1', ['10.0.1.1', '10.0.1.2']));
    const stale = ['KUBE-SVC-STALE'];
    expect(p.sync({ now: 0, existingNatChains: stale }).deletedChains).toEqual(['KUBE-SVC-STALE']);
    expect(p.sync({ now: 10, existingNatChains: stale }).deletedChains).toEqual([]);
    expect(p.sync({ now: 31, existingNatChains: stale }).deletedChains).toEqual(['KUBE-SVC-STALE']);
  });
});

describe('IptablesProxier: rendered lines kept per Service port', () => {
  // With a full-sync prefix (renderNodeProxy()'s hook jumps) the Services' kept texts are slices of the prefixed text.
  it.each(['', '*mangle\n:KUBE-PROXY-CANARY - [0:0]\nCOMMIT\n'])('give the text a render from scratch gives, sync after sync (prefix %j)', (prefix) => {
    const p = new IptablesProxier(fakeConfig());
    const ips = (i: number, n: number) => Array.from({ length: n }, (_, k) => `10.0.${i}.${k + 1}${k % 2 ? '@test-node' : ''}`);
    for (let i = 0; i < 6; i++) {
      p.onServiceAdd(svc('ns', `s${i}`, { clusterIP: `172.30.0.${i + 1}`, ...(i === 2 ? { type: 'NodePort', ports: [{ name: 'p80', port: 80, protocol: 'TCP', nodePort: 30080 }] } : {}) }));
      p.onEndpointSliceAdd(slice('ns', `s${i}`, ips(i, i % 3 + 1)));
    }
    const plans: Array<{ text: string; changed: ReadonlySet<string> | null }> = [];
    const check = (full: boolean) => {
      const plan = p.sync({ now: plans.length, existingNatChains: null, fullSyncPrefix: prefix });
      expect(plan.full).toBe(full);
      const fresh = renderSync({ config: p.config, services: p.services(), endpoints: p.endpoints(), changedServices: plan.full ? null : plan.changedServices, existingNatChains: null });
      expect(plan.text).toBe(full ? prefix + fresh.text : fresh.text);
      plans.push({ text: plan.text, changed: plan.full ? null : plan.changedServices });
    };
    check(true);
    // Each step changes one Service's endpoints (or the Service), the others' lines come from the kept ones.
    const steps: Array<() => void> = [
      () => p.onEndpointSliceUpdate(slice('ns', 's1', ips(1, 1))),
      () => p.onEndpointSliceUpdate(slice('ns', 's1', ips(1, 3))),
      () => p.onEndpointSliceUpdate(slice('ns', 's4', [])),
      () => p.onServiceUpdate(svc('ns', 's0', { clusterIP: '172.30.0.1' }), svc('ns', 's0', { clusterIP: '172.30.0.99' })),
      () => p.onServiceDelete(svc('ns', 's5', { clusterIP: '172.30.0.6' })),
      () => p.onEndpointSliceUpdate(slice('ns', 's4', ips(4, 2))),
    ];
    for (const step of steps) {
      step();
      check(false);
    }
    // A full sync again: the Services unchanged since the first one write the lines it kept.
    p.forceFullSync();
    check(true);
    expect(new Set(plans.map((x) => x.text)).size).toBe(plans.length);
  });
});

describe('IptablesProxier.services(): the service ports in the order of their keys', () => {
  it('whatever order the Services came in (the order the render writes them)', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.tuple(fc.constantFrom('ns', 'ns-a', 'n', 'ns2'), fc.constantFrom('s', 's-1', 's1', 'S', 'é')), { selector: ([a, b]) => `${a}/${b}`, minLength: 1, maxLength: 10 }), (names) => {
        const p = new IptablesProxier(fakeConfig());
        for (const [ns, name] of names) p.onServiceAdd(svc(ns, name, { ports: [{ name: 'p80', port: 80, protocol: 'TCP' }, { name: 'dns', port: 53, protocol: 'UDP' }, { name: '', port: 81, protocol: 'TCP' }] }));
        p.sync({ now: 0, existingNatChains: null });
        const keys = p.services().map((s) => s.key);
        expect(keys).toEqual([...keys].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
        expect(keys.length).toBe(3 * names.length);
      }),
      { numRuns: 200 },
    );
  });
});
