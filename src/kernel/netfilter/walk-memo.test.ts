import { describe, expect, it } from 'vitest';
import type { EvalResult } from './evaluate.js';
import { WalkMemo } from './walk-memo.js';

function leaf(mark: number): { res: EvalResult; mark: number; ctMark: number | null } {
  const res: EvalResult = { verdict: { kind: 'accept' }, decidedBy: null, decidedRule: null, notrack: false, events: [], facts: [], visited: 1, branches: [], matched: [] };
  return { res, mark, ctMark: null };
}

describe('WalkMemo', () => {
  it('replays a walk with no choice for the same walk of a later run, not for another walk', () => {
    const m = new WalkMemo();
    m.startRun();
    const a = m.enter();
    m.store(a, [], leaf(1));
    m.startRun();
    const again = m.enter();
    expect(again.key).toBe(a.key);
    expect(m.replay(again, () => true).leaf?.mark).toBe(1);
    expect(m.replay(m.enter(), () => true).leaf).toBeNull();
  });

  it('keys walks by the choices made before them in the run', () => {
    const m = new WalkMemo();
    m.startRun();
    m.noteChoice(true);
    const a = m.enter();
    m.store(a, [], leaf(2));
    m.startRun();
    m.noteChoice(false);
    expect(m.replay(m.enter(), () => true).leaf).toBeNull();
  });

  it('asks the stored choices again, follows the answers, and hands back what it asked when no leaf is known', () => {
    const m = new WalkMemo();
    m.startRun();
    const slot = m.enter();
    m.store(slot, [{ probability: 0.5, rule: 'r1', choice: true }, { probability: 0.25, rule: 'r2', choice: true }], leaf(3));
    const asked: string[] = [];
    const hit = m.replay(slot, (p, rule) => (asked.push(`${rule}@${p}`), true));
    expect(hit.leaf?.mark).toBe(3);
    expect(asked).toEqual(['r1@0.5', 'r2@0.25']);
    const miss = m.replay(slot, (_p, rule) => rule === 'r1');
    expect(miss.leaf).toBeNull();
    expect(miss.asked).toEqual([{ probability: 0.5, rule: 'r1', choice: true }, { probability: 0.25, rule: 'r2', choice: false }]);
    m.store(slot, miss.asked, leaf(4));
    expect(m.replay(slot, (_p, rule) => rule === 'r1').leaf?.mark).toBe(4);
    expect(m.replay(slot, () => true).leaf?.mark).toBe(3);
    expect(m.replay(slot, () => false).leaf).toBeNull();
  });

  it('shares only rulesets without stateful matches', async () => {
    const { restore } = await import('./restore-apply.js');
    const m = new WalkMemo();
    const pure = restore('*filter\n-A INPUT -p tcp -m tcp --dport 80 -m statistic --mode random --probability 0.5 -j DROP\nCOMMIT\n');
    const nth = restore('*filter\n-A INPUT -m statistic --mode nth --every 2 --packet 0 -j DROP\nCOMMIT\n');
    expect(pure.errors).toEqual([]);
    expect(nth.errors).toEqual([]);
    expect(m.shareable(pure.ruleset)).toBe(true);
    expect(m.shareable(nth.ruleset)).toBe(false);
  });
});
