// Addresses on lo as the kernel shows them: a namespace realized with `ip addr add ... dev lo` (realize.ts)
// and the emulator's `net show` agree on `ip addr show dev lo`, `ip -4 route show table local` and
// `net.ipv4.neigh.lo.*`. Needs root and iproute2; skipped (or failed, with PACKETWALK_KERNEL=required)
// without them.

import { afterAll, describe, expect, it } from 'vitest';

import { buildWorld } from '../../src/kernel/netns/build-world.js';
import type { WorldSpec } from '../../src/kernel/netns/world-spec.js';
import { showAddr } from '../../src/kernel/show/ip-addr.js';
import { showRoute } from '../../src/kernel/show/ip-route.js';
import { kernelUnavailable, netnsWithPrefix, runSync } from '../../src/oracle/environment.js';
import { realizeCommands } from '../../src/oracle/realize.js';
import { addr, ns, veth } from '../support/specs.js';

const REQUIRED = process.env.PACKETWALK_KERNEL === 'required';
const PREFIX = `pwk${process.pid}xl`;
const unavailable = kernelUnavailable(`${PREFIX}probe`);

if (REQUIRED && unavailable !== undefined) {
  describe('lo addresses (PACKETWALK_KERNEL=required)', () => {
    it('has a kernel to test against', () => {
      throw new Error(`PACKETWALK_KERNEL=required, but ${unavailable}`);
    });
  });
}

const spec: WorldSpec = {
  name: 'lo-show',
  namespaces: [
    ns('a', [
      veth('eth0', 'b/eth0', '10.0.0.1/24'),
      {
        name: 'lo', type: 'loopback', addresses: [
          { ...addr('10.9.9.9/32'), scope: 'global' }, { ...addr('10.8.0.1/24'), scope: 'global' },
          { ...addr('127.0.0.2/8'), scope: 'host' }, { ...addr('192.168.7.1/24'), scope: 'link' },
        ],
      },
    ], { sysctls: { 'net.ipv4.neigh.lo.mcast_solicit': 5, 'net.ipv4.neigh.eth0.retrans_time': 30 } }),
    ns('b', [veth('eth0', 'a/eth0', '10.0.0.2/24')]),
  ],
};

/** The lines of one device in `ip addr show`: from its header to the next device's. */
function deviceBlock(text: string, dev: string): string {
  const lines = text.split('\n');
  const start = lines.findIndex((l) => new RegExp(`^\\d+: ${dev}[:@]`).test(l));
  const end = lines.findIndex((l, i) => i > start && /^\d+: /.test(l));
  return lines.slice(start, end < 0 ? undefined : end).filter((l) => l !== '').join('\n');
}

describe.skipIf(unavailable !== undefined)(`lo addresses agree with the kernel${unavailable !== undefined ? ` (skipped: ${unavailable})` : ''}`, () => {
  const { up, down } = realizeCommands(spec, PREFIX);
  afterAll(() => {
    for (const c of down) runSync('bash', ['-c', c], 10_000);
    for (const n of netnsWithPrefix(PREFIX)) runSync('ip', ['netns', 'del', n], 10_000);
  });

  it('builds', () => {
    for (const c of up) {
      const r = runSync('bash', ['-c', c], 10_000);
      expect(r.code, `${c}: ${r.err}`).toBe(0);
    }
  });

  const world = buildWorld(spec);
  const a = world.netns('a')!;

  it('ip addr show dev lo (its IPv4 part: IPv6 is not modelled)', () => {
    const lines = runSync('ip', ['-n', `${PREFIX}a`, 'addr', 'show', 'dev', 'lo'], 10_000).out.trim().split('\n');
    const v6 = lines.findIndex((l) => l.trim().startsWith('inet6 '));
    const kernel = (v6 < 0 ? lines : [...lines.slice(0, v6), ...lines.slice(v6 + 2)]).join('\n');
    expect(deviceBlock(showAddr(a), 'lo')).toBe(kernel);
  });

  it('ip -4 route show table local', () => {
    const kernel = runSync('ip', ['-n', `${PREFIX}a`, '-4', 'route', 'show', 'table', 'local'], 10_000).out;
    expect(showRoute(a, 'local')).toBe(kernel);
  });

  it('net.ipv4.neigh.lo.* and eth0\'s, as sysctl reads them', () => {
    for (const key of ['net.ipv4.neigh.lo.mcast_solicit', 'net.ipv4.neigh.lo.retrans_time_ms', 'net.ipv4.neigh.eth0.retrans_time_ms', 'net.ipv4.neigh.eth0.base_reachable_time_ms', 'net.ipv4.neigh.eth0.locktime']) {
      const r = runSync('ip', ['netns', 'exec', `${PREFIX}a`, 'sysctl', '-n', key], 10_000);
      expect({ key, value: Number(r.out.trim()) }).toEqual({ key, value: a.sysctls.get(key) });
    }
  });
});
