// The neighbour state machine against the kernel's: after one ping from a to b, `ip neigh` on both sides at
// 0.5 s (a REACHABLE from the reply; b DELAY, having used the STALE entry the request taught it) and at 6.5 s
// (b's unicast probe at 5 s, answered: REACHABLE) is what the emulator's `ip neigh` prints at those virtual
// times. Needs root, iproute2 and ping; skipped (or failed, with PACKETWALK_KERNEL=required) without them.

import { performance } from 'node:perf_hooks';
import { afterAll, describe, expect, it } from 'vitest';

import type { WorldSpec } from '../../src/kernel/netns/world-spec.js';
import { showNeigh } from '../../src/kernel/show/ip-neigh.js';
import { kernelUnavailable, netnsWithPrefix, runSync } from '../../src/oracle/environment.js';
import { realizeCommands } from '../../src/oracle/realize.js';
import { runProbe } from '../../src/sim/probe.js';
import { ip, ns, veth } from '../support/specs.js';

const REQUIRED = process.env.PACKETWALK_KERNEL === 'required';
const PREFIX = `pwk${process.pid}xs`;
const unavailable = kernelUnavailable(`${PREFIX}probe`) ?? (runSync('ping', ['-V'], 5000).missing ? 'no ping' : undefined);

if (REQUIRED && unavailable !== undefined) {
  describe('neighbour states (PACKETWALK_KERNEL=required)', () => {
    it('has a kernel to test against', () => {
      throw new Error(`PACKETWALK_KERNEL=required, but ${unavailable}`);
    });
  });
}

const spec: WorldSpec = {
  name: 'neigh-states',
  namespaces: [
    ns('a', [{ ...veth('eth0', 'b/eth0', '10.0.0.1/24'), mac: '02:00:00:00:00:0a' }]),
    ns('b', [{ ...veth('eth0', 'a/eth0', '10.0.0.2/24'), mac: '02:00:00:00:00:0b' }]),
  ],
};

/** `ip neigh` lines, sorted: the kernel's dump order is its hash table's. */
const sorted = (text: string): string[] => text.split('\n').filter((l) => l.trim() !== '').map((l) => l.trim()).sort();

function emulatorAt(ms: number, netns: string): string[] {
  const run = runProbe(spec, { from: 'a', dst: ip('10.0.0.2'), proto: 'icmp' }, { untilMs: ms, settle: true });
  return sorted(showNeigh(run.world.netns(netns)!));
}

describe.skipIf(unavailable !== undefined)(`neighbour states agree with the kernel${unavailable !== undefined ? ` (skipped: ${unavailable})` : ''}`, () => {
  const { up, down } = realizeCommands(spec, PREFIX);
  afterAll(() => {
    for (const c of down) runSync('bash', ['-c', c], 10_000);
    for (const n of netnsWithPrefix(PREFIX)) runSync('ip', ['netns', 'del', n], 10_000);
  });

  it('REACHABLE and DELAY at 0.5 s, REACHABLE on both sides after b\'s unicast probe at 5 s', async () => {
    for (const c of up) expect(runSync('bash', ['-c', c], 10_000).code, c).toBe(0);
    const t0 = performance.now();
    expect(runSync('ip', ['netns', 'exec', `${PREFIX}a`, 'ping', '-c', '1', '-W', '2', '10.0.0.2'], 5000).code).toBe(0);
    const neigh = (n: string): string[] => sorted(runSync('ip', ['-n', `${PREFIX}${n}`, 'neigh'], 5000).out);
    const at = async (ms: number): Promise<void> => {
      const wait = t0 + ms - performance.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    };
    await at(500);
    const early = { a: neigh('a'), b: neigh('b') };
    await at(6500);
    const late = { a: neigh('a'), b: neigh('b') };
    expect(early.b).toEqual(['10.0.0.1 dev eth0 lladdr 02:00:00:00:00:0a DELAY']);
    expect(early).toEqual({ a: emulatorAt(500, 'a'), b: emulatorAt(500, 'b') });
    expect(late).toEqual({ a: emulatorAt(6500, 'a'), b: emulatorAt(6500, 'b') });
  }, 30_000);
});
