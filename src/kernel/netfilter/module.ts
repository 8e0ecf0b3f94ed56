// The contract between the rule parser and the extension modules (libxtables' struct xtables_match /
// xtables_target): an option table, a parse callback per option, a final check, a save printer, and the
// kernel side (xt_match.match / xt_target.target) as `match()` / `apply()`.

import type { NfPacketContext } from './context.js';
import type { TargetVerdict } from './verdict.js';
import type { NfHook } from './hooks.js';

/** One `--option` of a module (struct xt_option_entry). */
export interface OptionSpec {
  name: string;
  /** How many argv words the option takes. */
  args: 0 | 1 | 2;
  /** XTOPT_INVERT: `! --option` is allowed. */
  invertible?: boolean;
  /** XTOPT_MULTI: may be given more than once. */
  multi?: boolean;
}

/** What a module's final check may read of the rule it belongs to (its `-p` and table). */
export interface RuleEnv {
  /** `-p` protocol number, 0 for any */
  proto: number;
  protoInvert: boolean;
  table: string;
  /** The ipsets that exist (`ipset save` of the node); absent when the caller checks `--match-set` itself. */
  sets?: ReadonlySet<string>;
}

/** An option's error that blames one of its arguments rather than the option word (0-based). */
export interface ArgError {
  message: string;
  arg: number;
}

/** A parsed match instance, bound to its options. */
export interface Match {
  /** The module name as `-m NAME` prints it. */
  readonly module: string;
  /** The options exactly as iptables-save prints them, e.g. `--dport 80`; empty for none. */
  readonly saveText: string;
  /**
   * False when evaluating has an effect beyond the answer (recent lists, nfacct counters, nth counters, RNG
   * draws): an index must never skip such a match when the kernel would have run it.
   */
  readonly pure: boolean;
  /**
   * For random matches (`-m statistic --mode random`): the probability that `match()` answers true. A branch
   * explorer decides the outcome itself instead of calling `match()`; see evaluate.ts `EvalOptions.decide`.
   */
  readonly branchProbability?: number;
  /** `-m comment`: the text, so traces can show which object a rule belongs to. */
  readonly comment?: string;
  /** For the index: the single destination port this match requires, when it requires exactly one. */
  readonly exactDport?: number;
  /**
   * Hooks this instance's options allow, narrower than its module's, checked only for a rule written in a base
   * chain (hook-mask.ts entryHooks(): the match's checkentry refuses them, and nft_compat gives checkentry the
   * hook of a base chain only; e.g. physdev's `--physdev-out` without `--physdev-is-bridged`).
   */
  readonly hooks?: readonly NfHook[];
  /** Linux: xt_match.match(). */
  match(ctx: NfPacketContext): boolean;
}

/** Collects a module's options while the rule is parsed (xtables_match.x6_parse), then checks them (x6_fcheck). */
export interface MatchBuilder {
  /**
   * Returns an error message (the real tool's wording) or undefined. `env` is the rule as parsed so far: the
   * x6_parse callbacks read cb->xt_entry, so a `-p` written after the option is not seen yet.
   */
  option(name: string, args: readonly string[], invert: boolean, env: RuleEnv): string | ArgError | undefined;
  /** The match, an error message, or null when the module leaves nothing in the rule (see matches/tcp.ts). */
  finish(env: RuleEnv): Match | string | null;
}

export interface MatchModule {
  readonly name: string;
  readonly options: readonly OptionSpec[];
  /** The hooks the kernel match allows (xt_match.hooks); checked for every chain reachable from a hook. */
  readonly hooks?: readonly NfHook[];
  create(): MatchBuilder;
}

/** A parsed target instance. */
export interface Target {
  /** The target name as `-j NAME` prints it. */
  readonly name: string;
  /** The options exactly as iptables-save prints them; empty for none. */
  readonly saveText: string;
  /**
   * Hooks this instance's options allow, narrower than its module's (TCPMSS --clamp-mss-to-pmtu), checked only for
   * a rule written in a base chain (hook-mask.ts entryHooks(); as Match.hooks).
   */
  readonly hooks?: readonly NfHook[];
  /** Linux: xt_target.target(). */
  apply(ctx: NfPacketContext): TargetVerdict;
}

export interface TargetBuilder {
  /** As MatchBuilder.option(). */
  option(name: string, args: readonly string[], invert: boolean, env: RuleEnv): string | undefined;
  finish(env: RuleEnv): Target | string;
}

export interface TargetModule {
  readonly name: string;
  readonly options: readonly OptionSpec[];
  /** The tables the kernel target registers for (xt_target.table); absent means any. */
  readonly tables?: readonly string[];
  /** The hooks the kernel target allows (xt_target.hooks); checked for every chain reachable from a hook. */
  readonly hooks?: readonly NfHook[];
  create(): TargetBuilder;
}
