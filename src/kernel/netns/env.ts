import type { PathSink } from '../events.js';
import type { RestoreError, Ruleset, RulesetIndex } from '../netfilter/index.js';
import type { NfObserver } from '../netfilter/observe.js';
import type { WalkMemo } from '../netfilter/walk-memo.js';

/** Timers on the virtual clock; `sim/`'s Scheduler provides them. */
export interface KernelTimers {
  now(): number;
  /** `background`: housekeeping nobody waits on; a run does not go on for it alone (Scheduler.after). */
  after(delayMs: number, run: () => void, background?: boolean): void;
}

/** What a World needs from outside: time, randomness and somewhere to report. No wall clock, no Math.random. */
export interface KernelEnv {
  timers: KernelTimers;
  /** A float in [0, 1), seeded. */
  random(): number;
  sink: PathSink;
  /**
   * Decides random rule matches (`-m statistic --mode random`) instead of `random()`, so every outcome can be
   * explored; `rule` is the deciding rule as iptables-save prints it.
   */
  decide?: (probability: number, rule: string) => boolean;
  /**
   * Device crossings one skb may make between two TTL decrements before the emulator stops following it
   * (LOOP, EMULATOR_HOP_BUDGET). Routed hops are bounded by TTL itself, so a path TTL allows is never cut.
   */
  hopBudget: number;
  /**
   * iptables-restore for the World's namespaces, when a caller that builds many Worlds from one spec (branch
   * exploration) parses each ruleset once; plain `restore()` otherwise.
   */
  restore?: (text: string) => { ruleset: Ruleset; errors: RestoreError[]; index?: RulesetIndex };
  /** Told every chain netfilter walks and every NAT it applies (the `--iptables-save` tracer listens). */
  nfObserver?: NfObserver;
  /**
   * false: chain walks leave out the rule-by-rule facts of netfilter hops (each rule evaluated, printed), for
   * runs whose hops only their outcome is read from (branch exploration, `--iptables-save`). Default true.
   */
  ruleWalk?: boolean;
  /** Branch exploration: chain walks shared between runs whose choices agree so far (netfilter/walk-memo.ts). */
  walkMemo?: WalkMemo;
}
