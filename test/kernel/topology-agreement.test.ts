// Kernel differential test: every Topology scenario in scenarios/ and test/kernel/fixtures/ goes through the
// verify library (src/oracle/verify.ts), the same code as `net verify`: each trace is built for real in fresh
// network namespaces, probed, listed with `conntrack -L` where the world has iptables rules, torn down, and
// compared with the emulator on the socket's outcome, `ip route get` and the conntrack tuples. Needs root and
// iproute2, iptables, conntrack, tcpdump and ping; without them the suite is skipped with the reason, or fails
// when PACKETWALK_KERNEL=required.
//
// A trace the emulator knowingly does not model is listed in known-differences.json ({file, trace, reason}) and
// shows up as "known: reason"; nothing is skipped silently, and an entry that agrees again fails the run.
// PACKETWALK_WRITE_AGREEMENT=1 writes docs/kernel-agreement.md from this run.

import { readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { performance } from 'node:perf_hooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { hostVersions, kernelHasDummy, kernelUnavailable, netnsNames, netnsWithPrefix, runSync } from '../../src/oracle/environment.js';
import { VerifySession, verifyTrace } from '../../src/oracle/verify.js';
import type { VerifyRow } from '../../src/oracle/verify.js';
import {
  applyKnownDifferences, parseKnownDifferences, renderAgreementMarkdown, renderVerifyTable, resultText, staleKnownDifferences,
} from '../../src/oracle/verify-report.js';
import { collectScenarioFiles, loadScenarioFile } from '../../src/scenario/load.js';

const SCENARIO_DIRS = ['scenarios', 'test/kernel/fixtures'];
const KNOWN_FILE = 'test/kernel/known-differences.json';
const AGREEMENT_DOC = 'docs/kernel-agreement.md';
const REQUIRED = process.env.PACKETWALK_KERNEL === 'required';
const WRITE_AGREEMENT = process.env.PACKETWALK_WRITE_AGREEMENT === '1';
/** Optional: write every row as JSON here. */
const REPORT = process.env.PACKETWALK_KERNEL_REPORT;
/** This run's namespaces all start with it; `pwk<pid>x` lets a later run recognise a dead run's leftovers. */
const PREFIX_BASE = `pwk${process.pid}x`;
const SEED = 1;
/** Traces run side by side, each in its own namespaces: most of a trace's time is a bounded wait, not work. */
const CONCURRENCY = Number(process.env.PACKETWALK_KERNEL_CONCURRENCY ?? Math.min(2, availableParallelism()));

const known = parseKnownDifferences(readFileSync(KNOWN_FILE, 'utf8'), KNOWN_FILE);
const rows: VerifyRow[] = [];
const session = new VerifySession();

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code !== 'ESRCH';
  }
}

/**
 * Namespaces an earlier run of this suite left when it was killed: named by a PID that is gone, with no process
 * inside. Ones that still hold a process are left alone and named, so that whoever owns it can look.
 */
function removeStaleNamespaces(): void {
  const stale = netnsNames().filter((n) => {
    const m = /^pwk(\d+)x/.exec(n);
    return m !== null && Number(m[1]) !== process.pid && !pidAlive(Number(m[1]));
  });
  const busy = stale.filter((n) => runSync('ip', ['netns', 'pids', n], 5000).out.trim() !== '');
  for (const n of stale.filter((x) => !busy.includes(x))) runSync('ip', ['netns', 'del', n], 5000);
  if (stale.length > 0) {
    console.warn(`kernel differential test: removed ${stale.length - busy.length} namespaces of dead runs`
      + (busy.length > 0 ? `; kept ${busy.join(', ')}: processes still inside (ip netns pids)` : ''));
  }
}

/** At most CONCURRENCY worlds exist at once. */
const slots = { free: CONCURRENCY, waiting: [] as (() => void)[] };

async function withSlot<T>(f: () => Promise<T>): Promise<T> {
  if (slots.free > 0) slots.free--;
  else await new Promise<void>((resolve) => slots.waiting.push(resolve));
  try {
    return await f();
  } finally {
    const next = slots.waiting.shift();
    if (next !== undefined) next();
    else slots.free++;
  }
}

const unavailable = kernelUnavailable(`${PREFIX_BASE}probe`);
if (unavailable !== undefined) {
  console.warn(`kernel differential test ${REQUIRED ? 'cannot run' : 'skipped'}: ${unavailable}`);
}
const hasDummy = unavailable === undefined ? kernelHasDummy(`${PREFIX_BASE}dummy`) : true;
if (!hasDummy) console.warn('kernel differential test: no dummy driver in this kernel; dummies are realized as NOARP veths');

if (REQUIRED && unavailable !== undefined) {
  describe('kernel differential test (PACKETWALK_KERNEL=required)', () => {
    it('has a kernel to test against', () => {
      throw new Error(`PACKETWALK_KERNEL=required, but ${unavailable}`);
    });
  });
}

const suiteName = `kernel agrees with the emulator${unavailable !== undefined ? ` (skipped: ${unavailable})` : ''}`;

describe.skipIf(unavailable !== undefined)(suiteName, () => {
  let t0 = 0;
  beforeAll(() => {
    removeStaleNamespaces();
    t0 = performance.now();
  });
  afterAll(() => {
    // A safety net: whatever a failed test left behind, by our prefix only.
    session.teardownSync();
    for (const n of netnsWithPrefix(PREFIX_BASE)) runSync('ip', ['netns', 'del', n], 10_000);
    if (rows.length === 0) return;
    const sorted = ordered();
    console.log(renderVerifyTable(sorted));
    if (REPORT !== undefined) writeFileSync(REPORT, `${JSON.stringify({ rows: sorted }, null, 2)}\n`);
    if (WRITE_AGREEMENT) writeFileSync(AGREEMENT_DOC, renderAgreementMarkdown(sorted, hostVersions(), (performance.now() - t0) / 1000));
  });

  const files = collectScenarioFiles(SCENARIO_DIRS);
  files.forEach((file, fileIndex) => {
    const loaded = loadScenarioFile(file);
    if (!loaded.ok) {
      const isCluster = /^kind:\s*Cluster\b/m.test(readFileSync(file, 'utf8'));
      it(`${file} loads${isCluster ? ' (kind: Cluster)' : ''}`, () => {
        expect.fail(loaded.diagnostics.map((d) => `${d.file}:${d.line}:${d.column}: ${d.message}`).join('\n'));
      });
      return;
    }
    const scenario = loaded.scenario;
    // A scenario whose traces all run in its timeline is checked step by step by timeline-agreement.test.ts.
    if (scenario.traces.length === 0) return;
    const input = { file, kernelSpec: scenario.world, traces: scenario.traces, ...(scenario.cluster !== undefined ? { cluster: scenario.cluster } : {}) };
    const opts = { prefix: `${PREFIX_BASE}${fileIndex}-`, session, hasDummy, seed: SEED };
    describe(file, () => {
      // A test's clock runs while it waits for a slot, so the bound grows with the traces queued before it.
      const timeout = 30_000 + Math.ceil(scenario.traces.length / CONCURRENCY) * 15_000;
      scenario.traces.forEach((trace, i) => {
        it.concurrent(trace.name, async ({ expect: check }) => {
          const [row] = applyKnownDifferences([await withSlot(() => verifyTrace(input, trace, i, opts))], known);
          rows.push(row);
          const why = `${resultText(row)}: emulator "${row.emulator.outcome}" vs kernel "${row.kernel.outcome}"`
            + (row.fields.includes('route') ? `; route get "${row.route.emulator}" vs "${row.route.kernel}"` : '')
            + (row.fields.includes('conntrack') ? `; conntrack ${JSON.stringify(row.conntrack?.emulator)} vs ${JSON.stringify(row.conntrack?.kernel)}` : '');
          check(['agree', 'known', 'not-probed'], why).toContain(row.status);
          // A trace to a DNS name is not probed, but the emulator's column is its looked-up connection.
          if (trace.toName !== undefined) check(row.emulator.reason, why).not.toBe('IP_INVALID_DEST');
          check(netnsWithPrefix(row.prefix), 'its namespaces are gone').toEqual([]);
        }, timeout);
      });
    });
  });

  it('lists no known difference that agrees now or no longer exists', () => {
    expect(staleKnownDifferences(rows, known)).toEqual([]);
  });

  it('leaves no namespace behind (ip netns list)', () => {
    expect(netnsWithPrefix(PREFIX_BASE)).toEqual([]);
  });
});

function ordered(): VerifyRow[] {
  const files = collectScenarioFiles(SCENARIO_DIRS);
  return [...rows].sort((a, b) => files.indexOf(a.file) - files.indexOf(b.file) || a.index - b.index);
}
