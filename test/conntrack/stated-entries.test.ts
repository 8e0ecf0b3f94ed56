// Stated conntrack entries (`conntrack:` lines) steering packets through a router, as Linux lets an entry
// made by `conntrack -I` steer them: the entry's NAT binding instead of the nat table, ctstate from its
// SEEN_REPLY bit, the first reply marking an [UNREPLIED] entry, nothing at all where conntrack is not hooked.

import { describe, expect, it } from 'vitest';
import { buildWorld } from '../../src/kernel/index.js';
import { formatTable } from '../../src/kernel/conntrack/index.js';
import { loadScenarioText } from '../../src/scenario/load.js';
import type { Scenario } from '../../src/scenario/model.js';
import { runTrace } from '../../src/trace/run-trace.js';
import type { Trace } from '../../src/trace/model.js';

const C = '10.0.1.2';
/** A line for a UDP flow from the client, with the reply tuple's source and destination given. */
function udpLine(sport: number, dst: string, dport: number, rsrc: string, rsport: number, rdst: string, flags: { unreplied?: boolean; zone?: number } = {}): string {
  const unreplied = flags.unreplied === true ? ' [UNREPLIED]' : '';
  const zone = flags.zone === undefined ? '' : ` zone=${flags.zone}`;
  return `udp      17 100 src=${C} dst=${dst} sport=${sport} dport=${dport}${unreplied} src=${rsrc} dst=${rdst} sport=${rsport} dport=${sport} mark=0${zone} use=1`;
}

function scenario(routerExtra: string): Scenario {
  const text = `apiVersion: packetwalk/v1
kind: Topology
metadata: {name: stated}
namespaces:
  - name: client
    links: [{name: eth0, type: veth, peer: router/eth0, addresses: [10.0.1.2/24]}]
    routes: ["default via 10.0.1.1 dev eth0"]
  - name: router
    sysctls: {net.ipv4.ip_forward: 1}
    links:
      - {name: eth0, type: veth, peer: client/eth0, addresses: [10.0.1.1/24]}
      - {name: eth1, type: veth, peer: server/eth0, addresses: [10.0.2.1/24]}
${routerExtra}
  - name: server
    links: [{name: eth0, type: veth, peer: router/eth1, addresses: [10.0.2.2/24, 10.0.2.3/24]}]
    routes: ["default via 10.0.2.1 dev eth0"]
    listen: ["udp/7", "udp/53", "udp/5353"]
`;
  const r = loadScenarioText(text, 'stated.yaml');
  if (!r.ok) throw new Error(r.diagnostics.map((d) => `${d.line}:${d.column} ${d.message}`).join('\n'));
  return r.scenario;
}

const RULES = `    iptables: |
      *nat
      -A PREROUTING -d 10.96.0.10/32 -p udp -m udp --dport 53 -j DNAT --to-destination 10.0.2.3:53
      COMMIT
      *filter
      :FORWARD ACCEPT [0:0]
      -A FORWARD -p udp -m udp --dport 7 -m conntrack --ctstate NEW -j DROP
      COMMIT`;

function conntrackBlock(lines: string[]): string {
  return `    conntrack:\n${lines.map((l) => `      - "${l}"`).join('\n')}`;
}

function udp(sc: Scenario, dst: string, dport: number, sport: number): Trace {
  const [a, b, c, d] = dst.split('.').map(Number);
  return runTrace(sc.world, { from: 'client', dst: ((a << 24) | (b << 16) | (c << 8) | d) >>> 0, proto: 'udp', dport, sport });
}

function routerLine(t: Trace, sport: number): string | undefined {
  return t.conntrack.find((c) => c.netns === 'router' && c.orig.includes(`sport=${sport} `))?.line;
}

describe('stated conntrack entries', () => {
  const sc = scenario(`${RULES}\n${conntrackBlock([
    udpLine(40000, '10.0.2.2', 7, '10.0.2.2', 7, C, { unreplied: true }),
    udpLine(40001, '10.0.2.2', 7, '10.0.2.2', 7, C),
    udpLine(40002, '10.96.0.10', 53, '10.96.0.10', 53, C),
    udpLine(40003, '10.96.0.10', 53, '10.0.2.2', 5353, C, { unreplied: true }),
    udpLine(40004, '10.96.0.10', 53, '10.0.2.2', 5353, C, { zone: 1 }),
    udpLine(40005, '10.96.0.10', 53, '10.96.0.10', 53, C, { unreplied: true }),
  ])}`);

  it('gives --ctstate NEW to the original direction of an [UNREPLIED] entry', () => {
    const t = udp(sc, '10.0.2.2', 7, 40000);
    expect(t.disposition).toBe('DROPPED');
    expect(t.hops.some((h) => h.rule === '-A FORWARD -p udp -m udp --dport 7 -m conntrack --ctstate NEW -j DROP')).toBe(true);
  });

  it('gives --ctstate ESTABLISHED to a replied entry', () => {
    const t = udp(sc, '10.0.2.2', 7, 40001);
    expect(t.disposition).toBe('DELIVERED');
    expect(t.hops.some((h) => h.detail.startsWith('conntrack: ESTABLISHED (original direction)'))).toBe(true);
  });

  it.each([40002, 40005])('keeps a packet of an entry without NAT away from the DNAT rule (null bindings were made): sport %i', (sport) => {
    const t = udp(sc, '10.96.0.10', 53, sport);
    expect(t.hops.filter((h) => h.table === 'nat')).toEqual([]);
    expect(t.deliveredTo).toBeNull();
    expect(routerLine(t, sport)).toContain(`src=10.96.0.10 dst=10.0.1.2 sport=53 dport=${sport}`);
  });

  it('translates with the entry, and the answer marks an [UNREPLIED] entry replied', () => {
    const t = udp(sc, '10.96.0.10', 53, 40003);
    expect(t.disposition).toBe('DELIVERED');
    expect(t.deliveredTo?.addr).toBe('10.0.2.2:5353');
    expect(t.reply?.disposition).toBe('DELIVERED');
    // nf_conntrack_udp_packet(): the reply is still tracked as unreplied (30 s); then IPS_SEEN_REPLY is set.
    expect(routerLine(t, 40003)).toBe(udpLine(40003, '10.96.0.10', 53, '10.0.2.2', 5353, C).replace(' 100 ', ' 29 '));
  });

  it('lets the nat table decide for a packet whose entry is in another zone', () => {
    const t = udp(sc, '10.96.0.10', 53, 40004);
    expect(t.deliveredTo?.addr).toBe('10.0.2.3:53');
    expect(t.conntrack.filter((c) => c.netns === 'router' && c.orig.includes('sport=40004 '))).toHaveLength(2);
  });

  it('prints the entries back as written at time 0', () => {
    const ns = buildWorld(sc.world).netns('router');
    const lines = sc.world.namespaces.find((n) => n.name === 'router')?.conntrack?.map((c) => c.text);
    expect(formatTable(ns?.nf?.conntrack.entries(0) ?? [], 0).stdout).toBe(lines?.map((l) => `${l}\n`).join(''));
  });

  it('steers nothing where no rule hooks conntrack in, though the entries are listed', () => {
    const bare = scenario(conntrackBlock([udpLine(40003, '10.96.0.10', 53, '10.0.2.2', 5353, C)]));
    expect(buildWorld(bare.world).netns('router')?.nf?.conntrack.entries(0)).toHaveLength(1);
    const t = udp(bare, '10.96.0.10', 53, 40003);
    expect(t.deliveredTo).toBeNull();
    expect(t.hops.some((h) => h.detail.startsWith('DNAT'))).toBe(false);
  });
});
