// reconcileWorld (src/kernel/netns/reconcile-world.ts): a live World brought to a new WorldSpec keeps the
// dynamic state of the namespaces that remain (conntrack with its NAT, learned neighbours) while their
// configuration (rules, permanent neighbours) is the new spec's; new namespaces appear, dropped ones go.
import { describe, expect, it } from 'vitest';
import { buildWorld } from '../src/kernel/index.js';
import type { NeighSpec, NetnsSpec, WorldSpec } from '../src/kernel/index.js';
import { parseNeigh } from '../src/kernel/neigh/neigh-syntax.js';
import { reconcileWorld } from '../src/kernel/netns/reconcile-world.js';
import { printSave } from '../src/kernel/netfilter/index.js';
import { runTrace } from '../src/trace/index.js';
import { ip, ns, route, routerWorld, veth } from './support/specs.js';

const MASQ = '*nat\n-A POSTROUTING -o eth1 -j MASQUERADE\nCOMMIT\n';
/** The new rules: new flows from the left are dropped; established ones pass (the usual stateful firewall). */
const STRICT = `${MASQ}*filter\n-A FORWARD -m conntrack --ctstate NEW -i eth0 -j DROP\nCOMMIT\n`;

function withRouter(spec: WorldSpec, edit: (r: NetnsSpec) => NetnsSpec, extra: NetnsSpec[] = []): WorldSpec {
  return { ...spec, namespaces: [...spec.namespaces.map((n) => (n.name === 'router' ? edit(n) : n)), ...extra] };
}

function neigh(text: string): NeighSpec {
  const r = parseNeigh(text);
  if (!r.ok) throw new Error(r.error);
  return r.value;
}

const base = withRouter(routerWorld(), (r) => ({
  ...r,
  iptables: MASQ,
  neigh: [neigh('10.0.1.99 lladdr 02:00:00:00:00:99 dev eth0 nud permanent')],
}));
const next = withRouter(
  routerWorld(),
  (r) => ({ ...r, iptables: STRICT, links: [...r.links, veth('eth2', 'extra/eth0', '10.0.3.1/24')] }),
  [ns('extra', [veth('eth0', 'router/eth2', '10.0.3.2/24')], { routes: [route('default via 10.0.3.1 dev eth0')] })],
);
const udp = (sport: number) => ({ from: 'left', dst: ip('10.0.2.2'), dport: 53, proto: 'udp' as const, sport });

describe('reconcileWorld', () => {
  it('an established flow keeps its conntrack entry (and NAT) through a rule change; a new flow meets the new rules', () => {
    const live = buildWorld(base);
    expect(runTrace(live, udp(40000), { keep: true }).disposition).toBe('DELIVERED');
    const { world, report } = reconcileWorld(live, next);
    expect(report).toEqual({ kept: ['left', 'router', 'right'], added: ['extra'], removed: [] });
    const entries = world.netns('router')!.nf!.conntrack.entries(0);
    expect(entries.map((e) => `${e.orig.sport} reply dst ${e.reply.dst === ip('10.0.2.1') ? 'masqueraded' : 'not'}`)).toEqual(['40000 reply dst masqueraded']);
    const again = runTrace(world, udp(40000), { keep: true });
    expect(again.disposition).toBe('DELIVERED');
    expect(again.deliveredTo?.peerSeen).toBe('10.0.2.1:40000');
    expect(runTrace(world, udp(40001)).disposition).toBe('DROPPED');
  });

  it('without the carried entry the same packet is dropped: the test above could fail', () => {
    expect(runTrace(buildWorld(next), udp(40000)).disposition).toBe('DROPPED');
  });

  it('configuration is the new spec\'s: rules replaced, a permanent neighbour the spec no longer has is gone, learned ones stay', () => {
    const live = buildWorld(base);
    runTrace(live, udp(40000), { keep: true });
    const learned = live.netns('router')!.neigh.saveState().map(([, n]) => `${n.dev} ${n.addr} ${n.state}`);
    expect(learned).toContain(`eth0 ${ip('10.0.1.99')} PERMANENT`);
    const { world } = reconcileWorld(live, next);
    const now = world.netns('router')!.neigh.saveState().map(([, n]) => `${n.dev} ${n.addr} ${n.state}`);
    expect(now).not.toContain(`eth0 ${ip('10.0.1.99')} PERMANENT`);
    expect(now.filter((n) => n.startsWith(`eth1 ${ip('10.0.2.2')} `))).toHaveLength(1);
    expect(printSave(world.netns('router')!.nf!.ruleset)).toContain('--ctstate NEW -j DROP');
  });

  it('namespaces the new spec drops are gone', () => {
    const { world: grown } = reconcileWorld(buildWorld(base), next);
    const { world, report } = reconcileWorld(grown, base);
    expect(report.removed).toEqual(['extra']);
    expect(world.netns('extra')).toBeUndefined();
  });
});
