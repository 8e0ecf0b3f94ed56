import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Scheduler } from './scheduler.js';

describe('Scheduler ordering', () => {
  it('runs jobs in virtual-time order, and jobs due at the same time in the order they were queued', () => {
    const s = new Scheduler();
    const ran: string[] = [];
    s.after(1000, () => ran.push('c@1000'));
    s.after(0, () => ran.push('a@0'));
    s.after(1000, () => ran.push('d@1000'));
    s.after(0, () => ran.push('b@0'));
    expect(s.run({ maxSteps: 100 })).toBe('idle');
    expect(ran).toEqual(['a@0', 'b@0', 'c@1000', 'd@1000']);
  });

  it('puts a job queued from a running job after the jobs already due at that instant', () => {
    const s = new Scheduler();
    const ran: string[] = [];
    s.after(0, () => {
      ran.push('first');
      s.after(0, () => ran.push('queued by first'));
    });
    s.after(0, () => ran.push('second'));
    s.run({ maxSteps: 100 });
    expect(ran).toEqual(['first', 'second', 'queued by first']);
  });

  it('moves the clock to each job\'s time, and delays count from the time of the job that queues them', () => {
    const s = new Scheduler();
    const times: number[] = [];
    s.after(1000, () => {
      times.push(s.clock.now());
      s.after(1000, () => times.push(s.clock.now()));
    });
    s.after(500, () => times.push(s.clock.now()));
    s.run({ maxSteps: 100 });
    expect(times).toEqual([500, 1000, 2000]);
  });

  it('orders any set of delays by (time, insertion)', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 5 }), { maxLength: 40 }), (delays) => {
        const s = new Scheduler();
        const ran: number[] = [];
        delays.forEach((d, i) => s.after(d * 1000, () => ran.push(i)));
        s.run({ maxSteps: 1000 });
        const expected = delays.map((d, i) => ({ d, i })).sort((x, y) => x.d - y.d || x.i - y.i).map((x) => x.i);
        expect(ran).toEqual(expected);
      }),
    );
  });
});

describe('Scheduler limits', () => {
  it('stops before a job due after `until`, leaves it queued and sets the clock to `until`', () => {
    const s = new Scheduler();
    const ran: string[] = [];
    s.after(1000, () => ran.push('early'));
    s.after(40_000, () => ran.push('late'));
    expect(s.run({ until: 30_000, maxSteps: 100 })).toBe('until');
    expect(ran).toEqual(['early']);
    expect(s.clock.now()).toBe(30_000);
    expect(s.run({ maxSteps: 100 })).toBe('idle');
    expect(ran).toEqual(['early', 'late']);
  });

  it('runs a job due exactly at `until`', () => {
    const s = new Scheduler();
    let ran = false;
    s.after(30_000, () => (ran = true));
    expect(s.run({ until: 30_000, maxSteps: 100 })).toBe('idle');
    expect(ran).toBe(true);
  });

  it('gives up with "budget" after maxSteps jobs when work keeps coming (a storm)', () => {
    const s = new Scheduler();
    const storm = (): void => {
      s.after(0, storm);
      s.after(0, storm);
    };
    s.after(0, storm);
    expect(s.run({ maxSteps: 500 })).toBe('budget');
    expect(s.steps).toBe(500);
  });

  it('counts steps across runs, and clear() drops what is queued', () => {
    const s = new Scheduler();
    for (let i = 0; i < 3; i++) s.after(i, () => {});
    s.run({ maxSteps: 2 });
    expect(s.steps).toBe(2);
    s.clear();
    expect(s.run({ maxSteps: 100 })).toBe('idle');
    expect(s.steps).toBe(2);
  });

  it('never moves the clock back', () => {
    const s = new Scheduler();
    s.clock.advanceTo(5000);
    s.clock.advanceTo(1000);
    expect(s.clock.now()).toBe(5000);
  });
});
