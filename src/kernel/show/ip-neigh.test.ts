// Expected outputs are `ip neigh` captured from Linux 6.18 with iproute2 6.1: the router's entries after the
// oracle's realizeCommands() added them (`ip neigh add`), and c1's while and after pinging 10.0.0.3 and
// 10.0.0.1 (answered) and 10.0.0.77 (never answered). The kernel dumps its hash table, whose order depends on a
// random seed, so those are compared line by line in any order.

import { describe, expect, it } from 'vitest';
import { buildWorld } from '../index.js';
import type { Netns, WorldSpec } from '../index.js';
import { parseNeigh } from '../neigh/neigh-syntax.js';
import { ip, ns, veth } from '../../../test/support/specs.js';
import { showNeigh } from './ip-neigh.js';

const text = (...lines: string[]): string => lines.map((l) => `${l}\n`).join('');
const sortedLines = (t: string): string[] => t.split('\n').filter((l) => l !== '').sort();

function neigh(line: string) {
  const r = parseNeigh(line);
  if (!r.ok) throw new Error(line);
  return r.value;
}

const router: WorldSpec = {
  name: 'router',
  namespaces: [
    ns('left', [veth('eth0', 'router/eth0', '10.0.1.2/24')]),
    ns('router', [veth('eth0', 'left/eth0', '10.0.1.1/24'), veth('eth1', 'right/eth0', '10.0.2.1/24')], {
      neigh: [
        '10.0.1.9 lladdr 02:00:00:00:09:01 dev eth0 nud permanent',
        '10.0.1.10 lladdr 02:00:00:00:09:02 dev eth0 nud stale',
        '10.0.2.9 lladdr 02:00:00:00:09:03 dev eth1 nud noarp',
        '10.0.2.10 dev eth1 nud failed',
        '10.0.2.11 lladdr 02:00:00:00:09:04 dev eth1 nud reachable',
      ].map(neigh),
    }),
    ns('right', [veth('eth0', 'router/eth1', '10.0.2.2/24')]),
  ],
};

function netns(spec: WorldSpec, name: string): Netns {
  const n = buildWorld(spec).netns(name);
  if (!n) throw new Error(`no netns ${name}`);
  return n;
}

const captured = {
  router: text(
    '10.0.1.9 dev eth0 lladdr 02:00:00:00:09:01 PERMANENT ',
    '10.0.1.10 dev eth0 lladdr 02:00:00:00:09:02 STALE ',
    '10.0.2.10 dev eth1 FAILED ',
    '10.0.2.11 dev eth1 lladdr 02:00:00:00:09:04 REACHABLE ',
  ),
  during: text(
    '10.0.0.3 dev eth0 lladdr 02:00:00:00:0c:02 REACHABLE ',
    '10.0.0.77 dev eth0 INCOMPLETE ',
    '10.0.0.1 dev eth0 lladdr 02:00:00:00:01:00 REACHABLE ',
  ),
  after: text(
    '10.0.0.3 dev eth0 lladdr 02:00:00:00:0c:02 REACHABLE ',
    '10.0.0.77 dev eth0 FAILED ',
    '10.0.0.1 dev eth0 lladdr 02:00:00:00:01:00 REACHABLE ',
  ),
};

describe('showNeigh', () => {
  it('prints added entries in creation order, hides NOARP, and leaves no lladdr on FAILED', () => {
    const out = showNeigh(netns(router, 'router'));
    expect(out).toBe(text(
      '10.0.1.9 dev eth0 lladdr 02:00:00:00:09:01 PERMANENT ',
      '10.0.1.10 dev eth0 lladdr 02:00:00:00:09:02 STALE ',
      '10.0.2.10 dev eth1 FAILED ',
      '10.0.2.11 dev eth1 lladdr 02:00:00:00:09:04 REACHABLE ',
    ));
    expect(sortedLines(out)).toEqual(sortedLines(captured.router));
  });

  it('prints resolved, resolving and failed entries as a host sees them', () => {
    const c1 = netns({ name: 'bridge', namespaces: [ns('c1', [veth('eth0', 'c2/eth0', '10.0.0.2/24')]), ns('c2', [veth('eth0', 'c1/eth0', '10.0.0.3/24')])] }, 'c1');
    c1.neigh.set('eth0', ip('10.0.0.3'), '02:00:00:00:0c:02', 'REACHABLE', 0);
    c1.neigh.create('eth0', ip('10.0.0.77'), 0);
    c1.neigh.set('eth0', ip('10.0.0.1'), '02:00:00:00:01:00', 'REACHABLE', 0);
    expect(sortedLines(showNeigh(c1))).toEqual(sortedLines(captured.during));
    // An entry can fail while holding an address (a STALE one whose probes go unanswered); neigh_fill_info()
    // reports NDA_LLADDR only in NUD_VALID states.
    c1.neigh.set('eth0', ip('10.0.0.77'), '02:00:00:00:00:77', 'FAILED', 3000);
    expect(sortedLines(showNeigh(c1))).toEqual(sortedLines(captured.after));
  });

  it('prints nothing for an empty table', () => {
    expect(showNeigh(netns(router, 'left'))).toBe('');
  });
});
