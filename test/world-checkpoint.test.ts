// The checkpoint a run takes of a shared World (src/kernel/netns/world-checkpoint.ts) puts back even the state
// that lives inside shared rule objects (counters, `-m statistic --mode nth`) and the per-namespace match state
// (`-m recent`), so the same trace twice on one World fares the same, while a kept run changes what follows.
import { describe, expect, it } from 'vitest';
import { buildWorld, checkpointWorld, worldDigest } from '../src/kernel/index.js';
import { loadScenarioText } from '../src/scenario/load.js';
import { runTrace } from '../src/trace/index.js';

const TEXT = `apiVersion: packetwalk/v1
kind: Topology
metadata: {name: nth}
namespaces:
  - name: client
    links: [{name: eth0, type: veth, peer: router/eth0, addresses: [10.0.1.2/24]}]
    routes: ["default via 10.0.1.1 dev eth0"]
  - name: router
    sysctls: {net.ipv4.ip_forward: 1}
    links:
      - {name: eth0, type: veth, peer: client/eth0, addresses: [10.0.1.1/24]}
      - {name: eth1, type: veth, peer: b1/eth0, addresses: [10.0.2.1/24]}
      - {name: eth2, type: veth, peer: b2/eth0, addresses: [10.0.3.1/24]}
    iptables: |
      *nat
      -A PREROUTING -d 10.0.1.1/32 -p udp -m recent --set --name seen -m statistic --mode nth --every 2 --packet 0 -j DNAT --to-destination 10.0.2.2
      -A PREROUTING -d 10.0.1.1/32 -p udp -j DNAT --to-destination 10.0.3.2
      COMMIT
  - name: b1
    links: [{name: eth0, type: veth, peer: router/eth1, addresses: [10.0.2.2/24]}]
    routes: ["default via 10.0.2.1 dev eth0"]
    listen: ["udp/53"]
  - name: b2
    links: [{name: eth0, type: veth, peer: router/eth2, addresses: [10.0.3.2/24]}]
    routes: ["default via 10.0.3.1 dev eth0"]
    listen: ["udp/53"]
traces:
  - {name: q, from: client, to: "10.0.1.1:53", proto: udp}
`;

function scenario() {
  const r = loadScenarioText(TEXT, 'nth.yaml');
  if (!r.ok) throw new Error(r.diagnostics.map((d) => `${d.line}:${d.column} ${d.message}`).join('\n'));
  return r.scenario;
}

describe('world checkpoints', () => {
  it('the same trace twice on a shared World: the nth counter, rule counters and recent list are put back', () => {
    const sc = scenario();
    const world = buildWorld(sc.world);
    const before = worldDigest(world);
    const first = runTrace(world, sc.traces[0]);
    const second = runTrace(world, sc.traces[0]);
    expect(first.deliveredTo?.netns).toBe('b1');
    expect(second.deliveredTo?.netns).toBe('b1');
    expect(worldDigest(world)).toBe(before);
  });

  it('kept runs change what follows: the nth rule matches every other packet', () => {
    const sc = scenario();
    const world = buildWorld(sc.world);
    const got = [0, 1, 2].map((i) => runTrace(world, { ...sc.traces[0], sport: 41000 + i }, { keep: true }).deliveredTo?.netns);
    expect(got).toEqual(['b1', 'b2', 'b1']);
    const recent = world.netns('router')?.nf?.matchState.recent.get('seen');
    expect(recent?.size).toBe(1);
  });

  it('a checkpoint rolls back once, and one World takes one checkpoint at a time', () => {
    const world = buildWorld(scenario().world);
    const cp = checkpointWorld(world);
    expect(() => checkpointWorld(world)).toThrow(/already has a checkpoint/);
    cp.rollback();
    expect(() => cp.rollback()).toThrow(/rolls back once/);
    checkpointWorld(world).rollback();
  });

  it('saves only the namespaces a run enters, and still puts them all back', () => {
    const sc = scenario();
    const world = buildWorld(sc.world);
    const before = worldDigest(world);
    const cp = checkpointWorld(world);
    const t = runTrace(world, sc.traces[0], { keep: true });
    expect(t.deliveredTo?.netns).toBe('b1');
    // b2 never sees a frame (the router ARPs on eth1 only): it is neither saved nor changed.
    expect(cp.touched()).toEqual(['client', 'router', 'b1']);
    expect(worldDigest(world)).not.toBe(before);
    cp.rollback();
    expect(worldDigest(world)).toBe(before);
  });
});
