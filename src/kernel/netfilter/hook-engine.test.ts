// The hook engine's plan (what each hook runs, resolved once per installed ruleset) follows every install: a
// rule, a table or a hook's chain added after packets went through is met by the next packet.
import { describe, expect, it } from 'vitest';
import { loadScenarioFile } from '../../scenario/load.js';
import { runTrace } from '../../trace/index.js';
import { buildWorld } from '../netns/build-world.js';
import { applyIptables, parseIptables } from '../tools/iptables.js';
import type { IptablesCommand } from '../tools/command.js';

function scenario() {
  const r = loadScenarioFile('scenarios/sctp-dnat.yaml');
  if (!r.ok) throw new Error(JSON.stringify(r.diagnostics));
  return r.scenario;
}

function iptables(text: string): IptablesCommand {
  const p = parseIptables(text);
  if (!p.ok || p.command.tool !== 'iptables') throw new Error(`not an iptables command: ${text}`);
  return p.command;
}

describe('the hook plan after an install', () => {
  it('a rule in a chain the plan holds, and a table the plan had no step for, decide the next packet', () => {
    const sc = scenario();
    const world = buildWorld(sc.world);
    const router = world.namespaces.get('router')!;
    const first = runTrace(world, sc.traces[0], { keep: true });
    expect([first.disposition, first.reason]).toEqual(['REFUSED', 'NO_SOCKET']);
    expect(first.hops.filter((h) => h.netns === 'router' && h.detail.startsWith('DNAT')).length).toBe(1);
    // mangle has no chain in this ruleset: a new table's FORWARD chain is a new step of the hook.
    expect(applyIptables(router, iptables('iptables -t mangle -A FORWARD -p sctp -j DROP'))).toEqual([]);
    const dropped = runTrace(world, { ...sc.traces[0], sport: 40001 });
    expect([dropped.disposition, dropped.reason]).toEqual(['DROPPED', 'NETFILTER_DROP']);
    expect(dropped.hops.some((h) => h.netns === 'router' && h.table === 'mangle' && h.chain === 'FORWARD')).toBe(true);
    expect(applyIptables(router, iptables('iptables -t mangle -D FORWARD 1'))).toEqual([]);
    // nat PREROUTING emptied: the next new connection is not DNATed.
    expect(applyIptables(router, iptables('iptables -t nat -F PREROUTING'))).toEqual([]);
    const plain = runTrace(world, { ...sc.traces[0], sport: 40002 });
    expect(plain.hops.filter((h) => h.netns === 'router' && h.detail.startsWith('DNAT')).map((h) => h.detail)).toEqual([]);
  });

  it('a user chain a walk jumped to, changed by a later command, is the changed one on the next walk', () => {
    const sc = scenario();
    const world = buildWorld(sc.world);
    const router = world.namespaces.get('router')!;
    expect(applyIptables(router, iptables('iptables -N U'))).toEqual([]);
    expect(applyIptables(router, iptables('iptables -I FORWARD -j U'))).toEqual([]);
    const through = runTrace(world, sc.traces[0], { keep: true });
    expect([through.disposition, through.reason]).toEqual(['REFUSED', 'NO_SOCKET']);
    expect(applyIptables(router, iptables('iptables -A U -p sctp -j DROP'))).toEqual([]);
    const dropped = runTrace(world, { ...sc.traces[0], sport: 40001 });
    expect([dropped.disposition, dropped.reason]).toEqual(['DROPPED', 'NETFILTER_DROP']);
  });

  it("a hop's detail kept on the plan names the rule and verdict that decided each packet, as a fresh World does", () => {
    const sc = scenario();
    const rules = [
      'iptables -I FORWARD -p sctp -m sctp --sport 40001 -j REJECT --reject-with icmp-host-prohibited',
      'iptables -I FORWARD -p sctp -m sctp --sport 40002 -j DROP',
      'iptables -t nat -I PREROUTING -p sctp -m sctp --sport 40003 -j ACCEPT',
    ];
    const built = () => {
      const world = buildWorld(sc.world);
      for (const r of rules) expect(applyIptables(world.namespaces.get('router')!, iptables(r))).toEqual([]);
      return world;
    };
    const details = (t: ReturnType<typeof runTrace>) => t.hops.filter((h) => h.netns === 'router' && h.stage === 'netfilter').map((h) => h.detail);
    const shared = built();
    const seen = new Set<string>();
    for (const sport of [40000, 40001, 40000, 40002, 40003, 40001, 40003, 40000]) {
      const probe = { ...sc.traces[0], sport };
      const d = details(runTrace(shared, probe));
      expect(d).toEqual(details(runTrace(built(), probe)));
      for (const x of d) seen.add(x);
    }
    // The FORWARD walk ends at the ACCEPT rule, the REJECT, the DROP; the nat walk at its DNAT or the ACCEPT.
    expect([...seen].filter((x) => x.startsWith('filter FORWARD:')).length).toBeGreaterThanOrEqual(3);
    expect([...seen].filter((x) => x.startsWith('nat PREROUTING:')).length).toBeGreaterThanOrEqual(2);
  });
});
