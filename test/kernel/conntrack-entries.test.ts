// Stated conntrack entries against a real kernel: the `conntrack:` lines of every shipped scenario that has
// them are realized with `conntrack -I` (realize.ts) in fresh namespaces, and `conntrack -L` there must print
// each line as the emulator prints it at time 0 (`net show ... conntrack`): tuples, state, [UNREPLIED],
// [ASSURED], mark, zone and use, whole. Only the seconds left may be lower, by the time the commands took.
// `net verify` compares tuples after each trace; this compares the rest before any. Needs root, iproute2,
// iptables and conntrack; skipped with the reason without them, or failing when PACKETWALK_KERNEL=required.

import { afterAll, describe, expect, it } from 'vitest';

import { buildWorld } from '../../src/kernel/index.js';
import { formatTable } from '../../src/kernel/conntrack/index.js';
import { kernelHasDummy, kernelUnavailable, netnsWithPrefix, oracleRealizeOptions, runSync } from '../../src/oracle/environment.js';
import { realizeCommands, renderRealizeScript } from '../../src/oracle/realize.js';
import { collectScenarioFiles, loadScenarioFile } from '../../src/scenario/load.js';
import type { WorldSpec } from '../../src/kernel/netns/world-spec.js';

const REQUIRED = process.env.PACKETWALK_KERNEL === 'required';
const PREFIX = `pwct${process.pid}x`;
/** Seconds the realize script may take between `conntrack -I` and `conntrack -L`. */
const SLACK_S = 20;

const unavailable = kernelUnavailable(`${PREFIX}probe`);
if (unavailable !== undefined) console.warn(`conntrack entries kernel test ${REQUIRED ? 'cannot run' : 'skipped'}: ${unavailable}`);

if (REQUIRED && unavailable !== undefined) {
  describe('conntrack entries on a real kernel (PACKETWALK_KERNEL=required)', () => {
    it('has a kernel to test against', () => {
      throw new Error(`PACKETWALK_KERNEL=required, but ${unavailable}`);
    });
  });
}

/** Shipped Topology scenarios with `conntrack:` lines. */
function stated(): { file: string; world: WorldSpec }[] {
  const out: { file: string; world: WorldSpec }[] = [];
  for (const file of collectScenarioFiles(['scenarios'])) {
    const r = loadScenarioFile(file);
    if (r.ok && r.scenario.world.namespaces.some((n) => (n.conntrack ?? []).length > 0)) out.push({ file, world: r.scenario.world });
  }
  return out;
}

/** A line with its timeout column taken out, and that timeout. */
function split(line: string): { rest: string; timeout: number } {
  const w = line.trim().split(/\s+/);
  return { rest: [w[0], w[1], ...w.slice(3)].join(' '), timeout: Number(w[2]) };
}

describe.skipIf(unavailable !== undefined)(`conntrack entries on a real kernel${unavailable !== undefined ? ` (skipped: ${unavailable})` : ''}`, () => {
  const hasDummy = unavailable === undefined ? kernelHasDummy(`${PREFIX}dummy`) : true;
  afterAll(() => {
    for (const n of netnsWithPrefix(PREFIX)) runSync('ip', ['netns', 'del', n], 10_000);
  });

  const files = stated();
  it('finds the shipped scenarios that state entries', () => {
    expect(files.map((f) => f.file)).toContain('scenarios/conntrack-old-backend.yaml');
  });

  files.forEach(({ file, world }, i) => {
    it(`${file}: conntrack -L prints the stated lines back`, () => {
      const prefix = `${PREFIX}${i}-`;
      const spec: WorldSpec = { ...world, namespaces: world.namespaces.map((n) => ({ ...n, listen: [] })) };
      const opts = oracleRealizeOptions(hasDummy);
      const { down } = realizeCommands(spec, prefix, opts);
      try {
        const up = runSync('bash', ['-c', renderRealizeScript(spec, prefix, opts), 'realize', 'up'], 60_000);
        expect(up.code, up.err).toBe(0);
        const emulated = buildWorld(spec);
        for (const n of spec.namespaces.filter((x) => (x.conntrack ?? []).length > 0)) {
          const ns = emulated.netns(n.name);
          const mine = formatTable(ns?.nf?.conntrack.entries(0) ?? [], 0).stdout.split('\n').filter((l) => l !== '').map(split);
          const listed = runSync('ip', ['netns', 'exec', `${prefix}${n.name}`, 'conntrack', '-L', '-f', 'ipv4'], 10_000);
          expect(listed.code, listed.err).toBe(0);
          const theirs = listed.out.split('\n').filter((l) => l !== '').map(split);
          // conntrack -L lists in hash order: compare as sets of lines.
          expect(theirs.map((t) => t.rest).sort()).toEqual(mine.map((m) => m.rest).sort());
          for (const t of theirs) {
            const m = mine.find((x) => x.rest === t.rest);
            expect(m === undefined ? NaN : m.timeout - t.timeout, t.rest).toBeGreaterThanOrEqual(0);
            expect(m === undefined ? NaN : m.timeout - t.timeout, t.rest).toBeLessThanOrEqual(SLACK_S);
          }
        }
      } finally {
        runSync('bash', ['-c', down.map((c) => `${c} 2>/dev/null || true`).join('\n')], 30_000);
      }
      expect(netnsWithPrefix(prefix)).toEqual([]);
    }, 90_000);
  });
});
