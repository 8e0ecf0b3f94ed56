// Expected outputs are `ip rule` captured from Linux 6.18 with iproute2 6.1, after the oracle's
// realizeCommands() built the router namespace below (with addresses, routes and neighbours besides, which do
// not change what `ip rule` prints).

import { describe, expect, it } from 'vitest';
import { buildWorld } from '../index.js';
import type { Netns, WorldSpec } from '../index.js';
import { parseRule } from '../route/rule-syntax.js';
import { ns, veth } from '../../../test/support/specs.js';
import { showRule } from './ip-rule.js';

const text = (...lines: string[]): string => lines.map((l) => `${l}\n`).join('');

function rule(line: string) {
  const r = parseRule(line);
  if (!r.ok) throw new Error(line);
  return r.value;
}

const router: WorldSpec = {
  name: 'router',
  namespaces: [
    ns('left', [veth('eth0', 'router/eth0', '10.0.1.2/24')]),
    ns('router', [veth('eth0', 'left/eth0', '10.0.1.1/24'), veth('eth1', 'right/eth0', '10.0.2.1/24')], {
      rules: [
        'from 10.0.2.0/24 lookup 100',
        'priority 100 to 10.9.0.0/16 iif eth0 lookup 100',
        'fwmark 0x10/0xff lookup main',
        'not from 10.0.0.0/8 unreachable',
        'priority 200 tos 0x10 lookup 100',
        'priority 201 oif eth1 blackhole',
        'priority 202 to 10.9.0.1 prohibit',
        'priority 203 from 10.1.0.5 iif eth7 lookup 200',
        'priority 204 fwmark 0x5 lookup default',
      ].map(rule),
    }),
    ns('right', [veth('eth0', 'router/eth1', '10.0.2.2/24')]),
  ],
};

function netns(spec: WorldSpec, name: string): Netns {
  const n = buildWorld(spec).netns(name);
  if (!n) throw new Error(`no netns ${name}`);
  return n;
}

describe('showRule', () => {
  it('prints the default rules of a new namespace, a tab after each priority', () => {
    expect(showRule(netns(router, 'left'))).toBe(text(
      '0:\tfrom all lookup local',
      '32766:\tfrom all lookup main',
      '32767:\tfrom all lookup default',
    ));
  });

  it('prints every selector and action, chosen priorities, and an iif that names no device as detached', () => {
    expect(showRule(netns(router, 'router'))).toBe(text(
      '0:\tfrom all lookup local',
      '98:\tnot from 10.0.0.0/8 unreachable',
      '99:\tfrom all fwmark 0x10/0xff lookup main',
      '100:\tfrom all to 10.9.0.0/16 iif eth0 lookup 100',
      '200:\tfrom all tos 0x10 lookup 100',
      '201:\tfrom all oif eth1 blackhole',
      '202:\tfrom all to 10.9.0.1 prohibit',
      '203:\tfrom 10.1.0.5 iif eth7 [detached] lookup 200',
      '204:\tfrom all fwmark 0x5 lookup default',
      '32765:\tfrom 10.0.2.0/24 lookup 100',
      '32766:\tfrom all lookup main',
      '32767:\tfrom all lookup default',
    ));
  });
});
