// World's derived lists: namespacesWithNetfilter() follows every namespace added and every `nf` set.
import { describe, expect, it } from 'vitest';
import { buildWorld } from './build-world.js';
import { netfilterState } from '../netfilter/hook-engine.js';
import { emptyRuleset } from '../netfilter/ruleset.js';
import { ns } from '../../../test/support/specs.js';
import { BridgeDevice } from '../link/bridge-device.js';

describe('World.namespacesWithNetfilter()', () => {
  it('is made again after a namespace is added or its netfilter state is set or removed', () => {
    const w = buildWorld({ name: 'w', namespaces: [ns('a', []), ns('b', [])] });
    expect(w.namespacesWithNetfilter().map((n) => n.name)).toEqual([]);
    const b = w.netns('b')!;
    b.nf = netfilterState(emptyRuleset(), (k) => b.sysctls.get(k));
    expect(w.namespacesWithNetfilter().map((n) => n.name)).toEqual(['b']);
    const c = w.addNetns('c');
    expect(w.namespacesWithNetfilter().map((n) => n.name)).toEqual(['b']);
    c.nf = netfilterState(emptyRuleset(), (k) => c.sysctls.get(k));
    const a = w.netns('a')!;
    a.nf = netfilterState(emptyRuleset(), (k) => a.sysctls.get(k));
    // In the order of `namespaces`, whatever order the state was set in.
    expect(w.namespacesWithNetfilter().map((n) => n.name)).toEqual(['a', 'b', 'c']);
    b.nf = null;
    expect(w.namespacesWithNetfilter().map((n) => n.name)).toEqual(['a', 'c']);
  });
});

describe('Netns.fdbs()', () => {
  it('lists the bridges\' and vxlan devices\' fdbs in device order, made again after each attach', () => {
    const w = buildWorld({ name: 'w', namespaces: [ns('a', [])] });
    const a = w.netns('a')!;
    expect(a.fdbs()).toEqual([]);
    const br1 = new BridgeDevice(a, 'br1', a.nextIfindex(), '02:00:00:00:00:01', 1500, 300, false);
    a.attach(br1);
    expect(a.fdbs()).toEqual([br1.fdb]);
    const br0 = new BridgeDevice(a, 'br0', a.nextIfindex(), '02:00:00:00:00:02', 1500, 300, false);
    a.attach(br0);
    expect(a.fdbs()).toHaveLength(2);
    expect(a.fdbs()[0]).toBe(br1.fdb);
    expect(a.fdbs()[1]).toBe(br0.fdb);
  });
});
