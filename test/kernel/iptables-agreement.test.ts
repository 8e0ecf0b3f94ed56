// Kernel differential test for the iptables parser and printer: seeded random iptables-restore inputs (a quarter
// with one deliberate mistake) are loaded with the real `iptables-restore` (1.8.9, nf_tables) in scratch network
// namespaces; the emulator's restore() must accept exactly the inputs the kernel accepts, and for those its
// printSave() must print what the real `iptables-save` prints (date comments removed). Needs root, iproute2 and
// iptables; without them the suite is skipped with the reason, or fails when PACKETWALK_KERNEL=required.
//
// Safety: each input gets its own namespace `pwiptk<pid>-w<N>` (`-m<N>` while shrinking), created before and deleted right after it;
// nothing is run in the root namespace but `ip netns add/del/list/pids` and `--version` probes. Namespaces of
// dead runs (named by a PID that is gone, holding no process) are removed.
//
// Generator restrictions (the vocabulary is what src/kernel/netfilter implements, see iptables-gen/):
// - `-j CT` only with --notrack: the engine documents that it models nothing else (targets/ct.ts).
// - `-R`, `-E`, `-L` are not generated: the engine documents them as unsupported (rule-parse.ts).
// - not generated, to keep the run to what the kernel has without extra objects: matches physdev, set and
//   nfacct (bridge ports, ipsets, nfacct objects) and the TRACE target; also -D/-X/-F/-Z/-P lines, host names
//   in -s/-d (the real tool would resolve them) and --counters.
// No restriction hides a disagreement: every difference found is reported by this test.

import { performance } from 'node:perf_hooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { formatRestoreError, printSave, restore } from '../../src/kernel/netfilter/index.js';
import { generateInputs, type GeneratedInput } from './iptables-gen/generate.js';
import { deleteNamespace, kernelRestore, kernelUnavailable, netnsNames, removeStaleNamespaces, type KernelVerdict } from './iptables-gen/kernel-iptables.js';

const REQUIRED = process.env.PACKETWALK_KERNEL === 'required';
const STEM = 'pwiptk';
const PREFIX = `${STEM}${process.pid}-`;
const SEED = Number(process.env.PACKETWALK_IPTABLES_SEED ?? 20260501);
const COUNT = Number(process.env.PACKETWALK_IPTABLES_COUNT ?? 300);
const WORKERS = 4;
const RESTORE_TIMEOUT_MS = 10_000;
/** Disagreements shrunk line by line against the kernel before they are reported. */
const MINIMIZE_LIMIT = 12;
/** Disagreements printed in full in the failure message; the rest by id. */
const DETAIL_LIMIT = 30;

interface Ours {
  accepted: boolean;
  errors: string[];
  save: string;
}

function ours(text: string): Ours {
  const r = restore(text);
  return { accepted: r.errors.length === 0, errors: r.errors.map(formatRestoreError), save: printSave(r.ruleset) };
}

type Kind = 'verdict' | 'save';

function disagreement(k: KernelVerdict, o: Ours): Kind | null {
  if (k.accepted !== o.accepted) return 'verdict';
  if (k.accepted && k.save !== o.save) return 'save';
  return null;
}

interface Row {
  input: GeneratedInput;
  kernel: KernelVerdict;
  ours: Ours;
  kind: Kind | null;
  /** The shortest input found that still disagrees the same way. */
  minimal?: string;
}

async function pool<T, R>(items: readonly T[], workers: number, fn: (item: T, worker: number) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(Array.from({ length: workers }, async (_, w) => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i], w);
    }
  }));
  return out;
}

/** Drops whole table blocks, then single lines, while the kernel and the emulator still disagree the same way. */
async function minimize(text: string, kind: Kind, ns: string): Promise<string> {
  let lines = text.split('\n').slice(0, -1);
  const still = async (cand: string[]): Promise<boolean> => {
    const t = `${cand.join('\n')}\n`;
    return disagreement(await kernelRestore(ns, t, RESTORE_TIMEOUT_MS), ours(t)) === kind;
  };
  for (let i = lines.length - 1; i >= 0; i--) {
    if (!lines[i].startsWith('*')) continue;
    const end = lines.indexOf('COMMIT', i);
    const cand = [...lines.slice(0, i), ...(end < 0 ? [] : lines.slice(end + 1))];
    if (cand.length && (await still(cand))) lines = cand;
  }
  for (let i = lines.length - 1; i >= 0; i--) {
    const cand = [...lines.slice(0, i), ...lines.slice(i + 1)];
    if (await still(cand)) lines = cand;
  }
  return `${lines.join('\n')}\n`;
}

/** One line per cause: the kernel's message for a refusal, `iptables-save differs` otherwise. */
function summarize(bad: readonly Row[]): string[] {
  const counts = new Map<string, number>();
  for (const r of bad) {
    const why = r.kind === 'save'
      ? 'both accept, iptables-save differs'
      : r.kernel.accepted
        ? `kernel accepts, ours refuses: ${r.ours.errors[0]?.replace(/^line \d+(:\d+)?: /, '') ?? ''}`
        : `kernel refuses, ours accepts: ${kernelMessage(r.kernel.stderr)}`;
    counts.set(why, (counts.get(why) ?? 0) + 1);
  }
  return [...counts].sort((a, b) => b[1] - a[1]).map(([why, n]) => `  ${String(n).padStart(4)}  ${why}`);
}

/** The line of iptables-restore's stderr that says why, without the version banner and line numbers. */
function kernelMessage(stderr: string): string {
  const lines = stderr.split('\n').map((l) => l.replace(/^iptables-restore v[^:]*: ?/, '').trim())
    .filter((l) => l !== '' && !l.startsWith('Error occurred') && !l.startsWith('Try '));
  return (lines[0] ?? '').replace(/^line \d+: /, '');
}

function indent(text: string, by = '      '): string {
  return text.replace(/\n$/, '').split('\n').map((l) => by + l).join('\n');
}

/** Lines of `a` missing from `b` (-) and of `b` missing from `a` (+). */
function lineDiff(kernel: string, emu: string): string {
  const k = kernel.split('\n');
  const e = emu.split('\n');
  return [...k.filter((l) => !e.includes(l)).map((l) => `- kernel: ${l}`), ...e.filter((l) => !k.includes(l)).map((l) => `+ ours:   ${l}`)].join('\n');
}

function describeRow(r: Row): string {
  const head = `#${r.input.id} (${r.input.intent}) ${r.kind === 'verdict' ? 'accept/reject differs' : 'iptables-save differs'}`;
  const parts = [head, '  input:', indent(r.input.text)];
  if (r.minimal && r.minimal !== r.input.text) parts.push('  minimal input with the same disagreement:', indent(r.minimal));
  parts.push(`  kernel: ${r.kernel.accepted ? 'accepted' : `refused (exit ${r.kernel.code}${r.kernel.timedOut ? ', timed out' : ''})`}`);
  if (r.kernel.stderr) parts.push(indent(r.kernel.stderr));
  parts.push(`  ours: ${r.ours.accepted ? 'accepted' : 'refused'}`);
  if (r.ours.errors.length) parts.push(indent(r.ours.errors.join('\n')));
  if (r.kind === 'save') parts.push('  save lines that differ:', indent(lineDiff(r.kernel.save, r.ours.save)));
  return parts.join('\n');
}

const unavailable = kernelUnavailable(`${PREFIX}probe`);
if (unavailable !== undefined) console.warn(`iptables kernel agreement test ${REQUIRED ? 'cannot run' : 'skipped'}: ${unavailable}`);

if (REQUIRED && unavailable !== undefined) {
  describe('iptables kernel agreement (PACKETWALK_KERNEL=required)', () => {
    it('has a kernel to test against', () => {
      expect.fail(`PACKETWALK_KERNEL=required but the kernel cannot be used: ${unavailable}`);
    });
  });
}

const suiteName = `iptables-restore / iptables-save agree with the kernel${unavailable !== undefined ? ` (skipped: ${unavailable})` : ''}`;

describe.skipIf(unavailable !== undefined)(suiteName, () => {
  const rows: Row[] = [];
  let ms = 0;

  beforeAll(async () => {
    const removed = removeStaleNamespaces(STEM);
    if (removed.length) console.warn(`iptables kernel agreement test: removed ${removed.length} namespaces of dead runs`);
    const inputs = generateInputs(SEED, COUNT);
    const t0 = performance.now();
    const verdicts = await pool(inputs, WORKERS, (input, w) => kernelRestore(`${PREFIX}w${w}`, input.text, RESTORE_TIMEOUT_MS));
    for (let i = 0; i < inputs.length; i++) {
      const o = ours(inputs[i].text);
      rows.push({ input: inputs[i], kernel: verdicts[i], ours: o, kind: disagreement(verdicts[i], o) });
    }
    const bad = rows.filter((r) => r.kind !== null).slice(0, MINIMIZE_LIMIT);
    await pool(bad, WORKERS, async (r, w) => {
      r.minimal = await minimize(r.input.text, r.kind!, `${PREFIX}m${w}`);
    });
    ms = performance.now() - t0;
  }, 600_000);

  afterAll(() => {
    for (const n of netnsNames().filter((x) => x.startsWith(PREFIX))) deleteNamespace(n);
    const accepted = rows.filter((r) => r.kernel.accepted).length;
    const agree = rows.filter((r) => r.kind === null).length;
    const byIntent = new Map<string, number>();
    for (const r of rows) byIntent.set(r.input.intent, (byIntent.get(r.input.intent) ?? 0) + 1);
    console.log([
      `iptables kernel agreement: ${rows.length} rulesets (seed ${SEED}), kernel accepted ${accepted}, refused ${rows.length - accepted};`,
      `  agreements ${agree}, disagreements ${rows.length - agree}; ${Math.round(ms)} ms for the kernel runs and minimization`,
      `  inputs by intent: ${[...byIntent].map(([k, v]) => `${k} ${v}`).join(', ')}`,
    ].join('\n'));
  });

  it(`generates at least 200 rulesets, with both verdicts represented`, () => {
    expect(rows.length).toBeGreaterThanOrEqual(200);
    expect(rows.some((r) => r.kernel.accepted)).toBe(true);
    expect(rows.some((r) => !r.kernel.accepted)).toBe(true);
    expect(rows.filter((r) => r.kernel.timedOut).map((r) => r.input.id)).toEqual([]);
  });

  it('accepts exactly what the kernel accepts, and prints what iptables-save prints', () => {
    const bad = rows.filter((r) => r.kind !== null);
    const shown = [...bad.filter((r) => r.minimal), ...bad.filter((r) => !r.minimal)].slice(0, DETAIL_LIMIT);
    const rest = bad.filter((r) => !shown.includes(r));
    const message = [
      `${bad.length} of ${rows.length} rulesets disagree with the kernel. By cause:`,
      ...summarize(bad),
      '',
      shown.map(describeRow).join('\n\n'),
      ...(rest.length ? ['', `and ${rest.length} more: ${rest.map((r) => `#${r.input.id} ${r.kind}`).join(', ')}`] : []),
    ].join('\n');
    expect(bad.length, message).toBe(0);
  });

  it('leaves no namespace behind', () => {
    for (const n of netnsNames().filter((x) => x.startsWith(PREFIX))) deleteNamespace(n);
    expect(netnsNames().filter((x) => x.startsWith(PREFIX))).toEqual([]);
  });
});
