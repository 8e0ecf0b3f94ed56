// One iptables command line (the argv iptables-restore hands to do_commandx()): the getopt loop of
// do_parse() in iptables/xshared.c. Options belong to the core, or to the most recently loaded extension that
// declares them (xtables_merge_options() puts newer options first); an unknown option after `-p PROTO` loads
// the protocol's match (load_proto()); a word that is not an option is "Bad argument".

import type { Match, MatchBuilder, MatchModule, OptionSpec, RuleEnv, Target, TargetBuilder, TargetModule } from './module.js';
import type { Counters, Policy, Rule, RuleBasics, RuleTarget, TableName } from './ruleset.js';
import type { Word } from './tokenize.js';
import { emptyBasics } from './ruleset.js';
import { checkInterface, parseAddressList } from './basic-filter.js';
import { parseProtocol } from './protocols.js';
import { findMatch, findProtoMatch, findTarget, unmodelledExtension } from './registry.js';

export type RuleCommand =
  | { op: 'append'; chain: string; rules: Rule[] }
  | { op: 'insert'; chain: string; index: number; rules: Rule[] }
  | { op: 'delete'; chain: string; index: number; rules: null }
  | { op: 'delete'; chain: string; index: null; rules: Rule[] }
  | { op: 'new-chain'; chain: string }
  | { op: 'delete-chain'; chain: string | null }
  | { op: 'flush'; chain: string | null }
  | { op: 'zero'; chain: string | null }
  | { op: 'policy'; chain: string; policy: Policy }
  /** `-R CHAIN N rule`: rule N (1-based) becomes `rules[0]` (restore-replace.ts). */
  | { op: 'replace'; chain: string; index: number; rules: Rule[] }
  /** `-E OLD NEW`: the user chain OLD is named NEW when the table is committed (restore-rename.ts). */
  | { op: 'rename-chain'; chain: string; to: string };

export interface CommandError {
  message: string;
  /** 1-based column of the word at fault */
  col?: number;
  /**
   * A jump to a chain that does not exist at this point: iptables-restore finds it only when it builds the
   * table's batch at COMMIT, and names that line (restore-parse.ts RestoreError.kernelLine).
   */
  atCommit?: true;
}

/** Where a parsed command's words are (1-based columns), so later stages can point at them. */
export interface CommandAt {
  /** The command option (`-A`). */
  command: number;
  /** The chain name after it. */
  chain: number | null;
  /** The `-j` / `-g` target word. */
  target: number | null;
  /** For each match of the rule (Rule.matches order), the column of the word that loaded it. */
  matches: number[];
  /** The `-s` / `-d` argument words, when given: an address list expands to one rule per address pair. */
  src?: number;
  dst?: number;
  /** `-E OLD NEW`: the NEW word. */
  to?: number;
}

export type ParsedCommand = RuleCommand & { at: CommandAt };

export interface ParseEnv {
  table: TableName;
  /** Whether a chain exists at this point of the restore (declared above, or kept by --noflush). */
  chainExists(name: string): boolean;
  /**
   * The names of targets that a chain line (`:NAME`) of this iptables-restore declared, in any table, before
   * this line: `-j NAME` is then a jump to a chain (restore-parse.ts chainClash()).
   */
  announced?: ReadonlySet<string>;
  /** kube-proxy's FakeIPTables text: an unquoted `--comment` runs on over the following plain words. */
  lenientComments?: boolean;
  /** The ipsets that exist: `--match-set NAME` of another set fails as libxt_set's get_set_byname() does. */
  sets?: ReadonlySet<string>;
  /** When given, filled with how the words were read (rule-shape.ts makes a template of it). */
  trace?: ParseTrace;
}

/** One call of a module's option callback, as made. */
export interface OptionCall {
  spec: string;
  args: readonly string[];
  /** The word index each argument was taken from, -1 for a `--opt=VALUE` one. */
  argWords: readonly number[];
  invert: boolean;
  env: RuleEnv;
}

/** A module loaded by the line: what was asked of it, and where its match went. */
export interface ModuleUse {
  module: MatchModule | TargetModule;
  calls: OptionCall[];
  /** Its index in the rule's matches (-1 when it left none, or for the target). */
  matchIndex: number;
}

/** Who took a word as its argument. */
export type ArgUse =
  | { kind: 'chain' | 'source' | 'destination' | 'jump' | 'goto' }
  | { kind: 'option'; use: ModuleUse; call: number; arg: number };

/** How a successful parse read its words (ParseEnv.trace). */
export interface ParseTrace {
  /** By word index. */
  argOf: Array<ArgUse | undefined>;
  /** The matches' modules in load order, and the target's. */
  matches: ModuleUse[];
  target: ModuleUse | null;
  /** The rule as the modules' final checks saw it. */
  finishEnv: RuleEnv | null;
}

export function newParseTrace(): ParseTrace {
  return { argOf: [], matches: [], target: null, finishEnv: null };
}

type CoreOpt =
  | 'append' | 'insert' | 'delete' | 'new-chain' | 'delete-chain' | 'flush' | 'zero' | 'policy' | 'replace' | 'rename-chain' | 'list'
  | 'source' | 'destination' | 'in-interface' | 'out-interface' | 'protocol' | 'fragment' | 'match' | 'jump' | 'goto' | 'set-counters';

const SHORT: Readonly<Record<string, CoreOpt>> = {
  A: 'append', I: 'insert', D: 'delete', N: 'new-chain', X: 'delete-chain', F: 'flush', Z: 'zero', P: 'policy', R: 'replace',
  E: 'rename-chain', L: 'list', s: 'source', d: 'destination', i: 'in-interface', o: 'out-interface', p: 'protocol',
  f: 'fragment', m: 'match', j: 'jump', g: 'goto', c: 'set-counters',
};

const LONG: ReadonlyArray<readonly [string, CoreOpt]> = [
  ['append', 'append'], ['insert', 'insert'], ['delete', 'delete'], ['new-chain', 'new-chain'], ['new', 'new-chain'],
  ['delete-chain', 'delete-chain'], ['flush', 'flush'], ['zero', 'zero'], ['policy', 'policy'], ['replace', 'replace'],
  ['rename-chain', 'rename-chain'], ['list', 'list'], ['source', 'source'], ['src', 'source'], ['destination', 'destination'],
  ['dst', 'destination'], ['in-interface', 'in-interface'], ['out-interface', 'out-interface'], ['protocol', 'protocol'],
  ['fragment', 'fragment'], ['match', 'match'], ['jump', 'jump'], ['goto', 'goto'], ['set-counters', 'set-counters'],
];

/** LONG by exact name (getopt_long() tries an exact match first). */
const LONG_EXACT: ReadonlyMap<string, CoreOpt> = new Map(LONG);

const COMMAND_LETTER: Readonly<Partial<Record<CoreOpt, string>>> = {
  append: 'A', insert: 'I', delete: 'D', 'new-chain': 'N', 'delete-chain': 'X', flush: 'F', zero: 'Z', policy: 'P',
  replace: 'R', 'rename-chain': 'E', list: 'L',
};

const INVERTIBLE_CORE = new Set<CoreOpt>(['source', 'destination', 'in-interface', 'out-interface', 'protocol', 'fragment']);

/** The maximum chain name length: XT_EXTENSION_MAXNAMELEN (29) minus the terminating NUL. */
export const MAX_CHAIN_NAME = 28;

/** Whether iptables 1.8.9 has a target named `name` (xtables_find_target() loads one), modelled or not. */
export function isTargetName(name: string): boolean {
  return findTarget(name) !== undefined || unmodelledExtension('target', name) !== undefined;
}

/** The verdicts xtables_find_target() takes as the standard target whatever was announced. */
export function isStandardVerdict(name: string): boolean {
  return name === 'ACCEPT' || name === 'DROP' || name === 'RETURN' || name === 'QUEUE';
}

/** How iptables refuses a chain named like a target it finds (`-N NAME`, a restore's `:NAME`). */
export const CHAIN_CLASH = 'chain name may not clash with target name';

export function checkChainName(name: string): string | undefined {
  if (name.length > MAX_CHAIN_NAME) return `chain name \`${name}' too long (must be under ${MAX_CHAIN_NAME + 1} chars)`;
  if (name.startsWith('-')) return 'chain name not allowed to start with `-\'';
  return undefined;
}

interface Loaded {
  kind: 'match' | 'target';
  name: string;
  options: readonly OptionSpec[];
  builder: MatchBuilder | TargetBuilder;
  used: Set<string>;
  /** The word that loaded it (`-m NAME`'s NAME, `-j NAME`'s NAME, or the option that loaded a protocol match). */
  word: Word | null;
  /** The option value that a lenient comment may extend. */
  lastOption?: string;
  /** With a trace only. */
  use?: ModuleUse;
}

class ParseState {
  command: { op: CoreOpt; chain: string | null; num: number | null; policy: string | null; to: string | null } | null = null;
  basics: RuleBasics = emptyBasics();
  srcList: Array<{ addr: number; mask: number }> | null = null;
  dstList: Array<{ addr: number; mask: number }> | null = null;
  srcWord: Word | null = null;
  dstWord: Word | null = null;
  srcInvert = false;
  dstInvert = false;
  loaded: Loaded[] = [];
  matchOrder: Loaded[] = [];
  target: Loaded | null = null;
  jump: RuleTarget | null = null;
  protoUsed = false;
  counters: Counters = { packets: 0, bytes: 0 };
  seen = new Set<CoreOpt>();
  /** Where the command and its arguments were written, and the first rule-spec word, for located errors. */
  commandWord: Word | null = null;
  chainWord: Word | null = null;
  policyWord: Word | null = null;
  toWord: Word | null = null;
  firstSpecWord: Word | null = null;
  optionWords = new Map<CoreOpt, Word>();
  lastBang: Word | null = null;
  targetWord: Word | null = null;
}

type Resolved = { core: CoreOpt; inlineValue: string | null } | { ext: Loaded; spec: OptionSpec; inlineValue: string | null } | null;

function resolveLong(name: string, st: ParseState): Resolved | 'ambiguous' {
  const exact = LONG_EXACT.get(name);
  if (exact !== undefined) return { core: exact, inlineValue: null };
  for (let i = st.loaded.length - 1; i >= 0; i--) {
    const spec = st.loaded[i].options.find((o) => o.name === name);
    if (spec) return { ext: st.loaded[i], spec, inlineValue: null };
  }
  // getopt_long(): a unique prefix of a long option is that option.
  const cands: Resolved[] = [];
  for (const [n, c] of LONG) if (n.startsWith(name)) cands.push({ core: c, inlineValue: null });
  for (let i = st.loaded.length - 1; i >= 0; i--) {
    for (const spec of st.loaded[i].options) if (spec.name.startsWith(name)) cands.push({ ext: st.loaded[i], spec, inlineValue: null });
  }
  const distinct = new Set(cands.map((c) => (c && 'core' in c ? c.core : c ? `${c.ext.name}/${c.spec.name}` : '')));
  if (distinct.size === 1) return cands[0];
  return distinct.size > 1 ? 'ambiguous' : null;
}

function protoEnv(st: ParseState, table: TableName): RuleEnv {
  return { proto: st.basics.proto, protoInvert: st.basics.protoInvert, table };
}

/**
 * Parses one command line. Returns the command, or the first error as the real tool reports it (it stops at
 * the first problem of a line).
 */
export function parseCommandWords(words: readonly Word[], env: ParseEnv): ParsedCommand | CommandError {
  const st = new ParseState();
  let invert = false;
  let i = 0;
  const err = (message: string, w?: Word | null): CommandError => ({ message, col: w?.col });
  // The option being read, and its `-sVALUE` / `--opt=VALUE` argument not taken yet.
  let w: Word = words[0];
  let inline: string | null = null;
  const trace = env.trace;
  // The word index of the argument takeArg() took last (-1: inline).
  let argAt = -1;
  const takeArg = (): Word | null => {
    if (inline !== null) {
      const v = { text: inline, raw: inline, col: w.col };
      inline = null;
      argAt = -1;
      return v;
    }
    argAt = i;
    return i < words.length ? words[i++] : null;
  };
  const tookArg = (kind: 'chain' | 'source' | 'destination' | 'jump' | 'goto'): void => {
    if (trace !== undefined && argAt >= 0) trace.argOf[argAt] = { kind };
  };
  const loaded = (kind: 'match' | 'target', mod: MatchModule | TargetModule, word: Word): Loaded => {
    const l: Loaded = { kind, name: mod.name, options: mod.options, builder: mod.create(), used: new Set(), word };
    if (trace !== undefined) l.use = { module: mod, calls: [], matchIndex: -1 };
    return l;
  };
  const optionalArg = (): Word | null => {
    if (inline !== null) return takeArg();
    const next = words[i];
    if (next && !next.text.startsWith('-') && next.text !== '!') {
      i++;
      return next;
    }
    return null;
  };
  while (i < words.length) {
    w = words[i++];
    const t = w.text;
    if (t === '!' ) {
      if (invert) return err('multiple consecutive ! not allowed', w);
      invert = true;
      st.lastBang = w;
      continue;
    }
    if (!t.startsWith('-') || t === '-') {
      return err(`Bad argument \`${t}'`, w);
    }
    let resolved: Resolved | 'ambiguous';
    inline = null;
    if (t.startsWith('--')) {
      const eq = t.indexOf('=');
      const name = eq < 0 ? t.slice(2) : t.slice(2, eq);
      inline = eq < 0 ? null : t.slice(eq + 1);
      resolved = resolveLong(name, st);
      // load_proto(): an unknown option after `-p tcp` loads the tcp match and is tried again.
      if (resolved === null && st.basics.proto !== 0 && !st.protoUsed) {
        const mod = findProtoMatch(st.basics.proto);
        st.protoUsed = true;
        if (mod) {
          const l = loaded('match', mod, w);
          st.loaded.push(l);
          st.matchOrder.push(l);
          resolved = resolveLong(name, st);
        }
      }
      if (resolved === 'ambiguous') return err(`option '--${name}' is ambiguous`, w);
      if (resolved === null) return err(`unknown option "${eq < 0 ? t : t.slice(0, eq)}"`, w);
    } else {
      const core = SHORT[t[1]];
      if (!core) return err(`unknown option "${t}"`, w);
      resolved = { core, inlineValue: null };
      if (t.length > 2) inline = t.slice(2);
    }
    if ('ext' in resolved) {
      const { ext, spec } = resolved;
      st.firstSpecWord ??= w;
      if (invert && !spec.invertible) return err(`${ext.name}: option "--${spec.name}" cannot be inverted.`, w);
      if (ext.used.has(spec.name) && !spec.multi) return err(`${ext.name}: option "--${spec.name}" can only be used once.`, w);
      ext.used.add(spec.name);
      const args: string[] = [];
      const argWords: Word[] = [];
      const argAts: number[] = [];
      for (let k = 0; k < spec.args; k++) {
        const a = takeArg();
        if (!a) return err(`option "--${spec.name}" requires an argument`, w);
        args.push(a.text);
        argWords.push(a);
        argAts.push(argAt);
      }
      if (env.lenientComments && ext.name === 'comment' && spec.name === 'comment') {
        while (i < words.length && !words[i].text.startsWith('-') && words[i].text !== '!') args[0] += ` ${words[i++].text}`;
      }
      const optEnv: RuleEnv = { proto: st.basics.proto, protoInvert: st.basics.protoInvert, table: env.table, sets: env.sets };
      const e = ext.builder.option(spec.name, args, invert, optEnv);
      if (typeof e === 'string') return err(e, w);
      if (e) return err(e.message, argWords[e.arg] ?? w);
      if (ext.use !== undefined && trace !== undefined) {
        const call = ext.use.calls.length;
        ext.use.calls.push({ spec: spec.name, args: args.slice(), argWords: argAts, invert, env: optEnv });
        for (let k = 0; k < argAts.length; k++) if (argAts[k] >= 0) trace.argOf[argAts[k]] = { kind: 'option', use: ext.use, call, arg: k };
      }
      invert = false;
      continue;
    }
    const opt = resolved.core;
    if (invert && !INVERTIBLE_CORE.has(opt)) return err(`cannot have ! before -${Object.entries(SHORT).find(([, c]) => c === opt)?.[0] ?? opt}`, w);
    const letter = COMMAND_LETTER[opt];
    if (letter) {
      if (st.command) return err(`Can't use -${letter} with -${COMMAND_LETTER[st.command.op]}`, w);
      st.command = { op: opt, chain: null, num: null, policy: null, to: null };
      st.commandWord = w;
      const needsChain = opt === 'append' || opt === 'insert' || opt === 'delete' || opt === 'new-chain' || opt === 'policy' || opt === 'replace' || opt === 'rename-chain';
      const chainWord = needsChain ? takeArg() : optionalArg();
      if (needsChain && !chainWord) return err(`option "-${letter}" requires an argument`, w);
      if (needsChain) tookArg('chain');
      st.command.chain = chainWord ? chainWord.text : null;
      st.chainWord = chainWord;
      if (opt === 'insert' || opt === 'delete' || opt === 'replace') {
        const n = optionalArg();
        if (n) {
          if (!/^[0-9]+$/.test(n.text) || parseInt(n.text, 10) < 1) return err(`Invalid rule number \`${n.text}'`, n);
          st.command.num = parseInt(n.text, 10);
        } else if (opt === 'replace') {
          return err('-R requires a rule number', w);
        }
      }
      if (opt === 'rename-chain') {
        // do_parse(): the new name is the next word unless it starts with `-` or `!` (xs_has_arg()); its length
        // is not checked (iptables 1.8.9 renames A to a 30-character name).
        const to = words[i];
        if (to === undefined || to.text.startsWith('-') || to.text.startsWith('!')) return err('-E requires old-chain-name and new-chain-name', w);
        i++;
        st.command.to = to.text;
        st.toWord = to;
      }
      if (opt === 'policy') {
        const p = takeArg();
        if (!p) return err('-P requires a chain and a policy', w);
        st.command.policy = p.text;
        st.policyWord = p;
      }
      continue;
    }
    if (st.seen.has(opt) && opt !== 'match') {
      if (opt === 'jump' || opt === 'goto') return err('multiple -j flags not allowed', w);
      return err(`multiple -${Object.entries(SHORT).find(([, c]) => c === opt)?.[0]} flags not allowed`, w);
    }
    st.seen.add(opt);
    st.firstSpecWord ??= w;
    st.optionWords.set(opt, w);
    if (opt === 'fragment') {
      st.basics.fragment = { invert };
      invert = false;
      continue;
    }
    const a = takeArg();
    if (!a) return err(`option "${t}" requires an argument`, w);
    const v = a.text;
    switch (opt) {
      case 'source':
      case 'destination':
        // Addresses are resolved after the option loop (xtables_ipparse_multiple() in do_parse()'s tail).
        tookArg(opt);
        if (opt === 'source') {
          st.srcWord = a;
          st.srcInvert = invert;
        } else {
          st.dstWord = a;
          st.dstInvert = invert;
        }
        break;
      case 'in-interface':
      case 'out-interface': {
        const e = checkInterface(v);
        if (e) return err(e, a);
        // iptables-nft adds no iifname/oifname expression for a bare `+` (it matches every name), so it is
        // not stored and iptables-save prints nothing for it.
        if (v !== '+' || invert) st.basics[opt === 'in-interface' ? 'in' : 'out'] = { name: v, invert };
        break;
      }
      case 'protocol': {
        const p = parseProtocol(v);
        if (p === undefined) return err(`unknown protocol "${v}" specified`, a);
        if (p === 0 && invert) return err('rule would never match protocol', a);
        st.basics.proto = p;
        st.basics.protoInvert = invert;
        break;
      }
      case 'match': {
        const mod = findMatch(v);
        if (!mod) return err(unmodelledExtension('match', v) ?? `Couldn't load match \`${v}':No such file or directory`, a);
        const l = loaded('match', mod, a);
        st.loaded.push(l);
        st.matchOrder.push(l);
        break;
      }
      case 'jump':
      case 'goto': {
        const chainErr = checkChainName(v);
        if (chainErr && opt === 'goto') return err(chainErr, a);
        // xtables_find_target() looks no target up under a name xtables_announce_chain() was given.
        const target = opt === 'jump' && env.announced?.has(v) !== true;
        const mod = target ? findTarget(v) : undefined;
        if (mod) {
          if (mod.tables && !mod.tables.includes(env.table)) {
            return err(`${ruleVerb(st)} failed (Invalid argument): rule in chain ${st.command?.chain ?? ''}`, a);
          }
          const l = loaded('target', mod, a);
          st.loaded.push(l);
          st.target = l;
          st.targetWord = a;
        } else {
          const unmodelled = target ? unmodelledExtension('target', v) : undefined;
          if (unmodelled && !env.chainExists(v)) return err(unmodelled, a);
          if (!env.chainExists(v)) return { ...err(`Chain '${v}' does not exist`, a), atCommit: true };
          st.jump = opt === 'jump' ? { kind: 'jump', chain: v } : { kind: 'goto', chain: v };
          st.targetWord = a;
          tookArg(opt);
        }
        break;
      }
      case 'set-counters': {
        const b = takeArg();
        if (!b || !/^[0-9]+$/.test(v) || !/^[0-9]+$/.test(b.text)) return err('-c packet counter not numeric', a);
        st.counters = { packets: parseInt(v, 10), bytes: parseInt(b.text, 10) };
        break;
      }
      default:
        return err(`unknown option "${t}"`, w);
    }
    invert = false;
  }
  if (invert) return err('Bad argument `!\'', st.lastBang);
  if (st.srcWord) {
    const list = parseAddressList(st.srcWord.text);
    if (typeof list === 'string') return err(list, st.srcWord);
    st.srcList = list;
  }
  if (st.dstWord) {
    const list = parseAddressList(st.dstWord.text);
    if (typeof list === 'string') return err(list, st.dstWord);
    st.dstList = list;
  }
  return finishCommand(st, env);
}

const NAT_DROP = 'The "nat" table is not intended for filtering, the use of DROP is therefore inhibited.';

/** The checks do_parse() in iptables/xshared.c makes on a rule once its options are read. */
/**
 * The batch message a rule the kernel refuses is reported under: iptables-nft names the netlink operation it
 * batched (iptables 1.8.9: `-A` RULE_APPEND, `-I` RULE_INSERT, `-R` RULE_REPLACE; measured in a namespace with
 * `! -s 0.0.0.0/0` and `-j REDIRECT` in filter). Modules report RULE_APPEND and the command renames it.
 */
function ruleVerb(st: ParseState): string {
  const op = st.command?.op;
  return op === 'insert' ? 'RULE_INSERT' : op === 'replace' ? 'RULE_REPLACE' : 'RULE_APPEND';
}

function checkRuleSpec(st: ParseState, env: ParseEnv, chain: string): CommandError | undefined {
  const at = (message: string, w: Word | null | undefined): CommandError => ({ message, col: (w ?? st.chainWord ?? st.commandWord)?.col });
  const multiple = (st.srcList?.length ?? 0) > 1 || (st.dstList?.length ?? 0) > 1;
  if (multiple && ((st.srcWord && st.srcInvert) || (st.dstWord && st.dstInvert))) {
    return at('! not allowed with multiple source or destination IP addresses', st.srcWord && st.srcInvert ? st.srcWord : st.dstWord);
  }
  // By chain name, whatever the table; a user chain is not checked.
  if ((chain === 'PREROUTING' || chain === 'INPUT') && st.seen.has('out-interface')) return at(`Can't use -o with ${chain}`, st.optionWords.get('out-interface'));
  if ((chain === 'POSTROUTING' || chain === 'OUTPUT') && st.seen.has('in-interface')) return at(`Can't use -i with ${chain}`, st.optionWords.get('in-interface'));
  const jumpsTo = st.target?.name ?? (st.jump?.kind === 'jump' || st.jump?.kind === 'goto' ? st.jump.chain : null);
  if (env.table === 'nat' && jumpsTo === 'DROP') return at(NAT_DROP, st.targetWord);
  // `! -s A/0` would never match; the kernel refuses the rule iptables-nft builds for it (1.8.9: EINVAL).
  if (st.srcInvert && st.srcList?.some((a) => a.mask === 0)) return at(`${ruleVerb(st)} failed (Invalid argument): rule in chain ${chain}`, st.srcWord);
  if (st.dstInvert && st.dstList?.some((a) => a.mask === 0)) return at(`${ruleVerb(st)} failed (Invalid argument): rule in chain ${chain}`, st.dstWord);
  return undefined;
}

/** generic_opt_check()'s order of the options a command may refuse, with the letter it names them by. */
const OPTION_ORDER: ReadonlyArray<readonly [CoreOpt, string]> = [
  ['source', 's'], ['destination', 'd'], ['protocol', 'p'], ['jump', 'j'], ['goto', 'j'], ['in-interface', 'i'],
  ['out-interface', 'o'], ['set-counters', 'c'], ['fragment', 'f'],
];

/**
 * A command that takes no rule (-N, -X, -F, -Z, -P, -E, -D N) refuses the first rule option in
 * generic_opt_check()'s order (iptables 1.8.9: "Illegal option `-s' with this command"; `-g` counts as `-j`).
 * `-m` is not one of them: its matches are read and ignored (`-N X -m comment --comment x` makes X).
 */
function illegalOption(st: ParseState): CommandError | undefined {
  for (const [opt, letter] of OPTION_ORDER) {
    if (st.seen.has(opt)) return { message: `Illegal option \`-${letter}' with this command`, col: st.optionWords.get(opt)?.col };
  }
  return undefined;
}

function finishCommand(st: ParseState, env: ParseEnv): ParsedCommand | CommandError {
  const cmd = st.command;
  if (!cmd) return { message: 'no command specified', col: st.firstSpecWord?.col ?? 1 };
  const chain = cmd.chain;
  const fail = (message: string, w: Word | null | undefined): CommandError => ({ message, col: (w ?? st.chainWord ?? st.commandWord)?.col });
  const at: CommandAt = { command: st.commandWord?.col ?? 1, chain: st.chainWord?.col ?? null, target: st.targetWord?.col ?? null, matches: [] };
  if (st.srcWord) at.src = st.srcWord.col;
  if (st.dstWord) at.dst = st.dstWord.col;
  if (chain !== null) {
    const e = checkChainName(chain);
    if (e) return fail(e, st.chainWord);
  }
  const illegal = illegalOption(st);
  switch (cmd.op) {
    case 'new-chain':
    case 'delete-chain':
    case 'flush':
    case 'zero':
    case 'policy':
    case 'rename-chain':
      if (illegal) return illegal;
      // do_parse()'s `-N`: a name xtables_find_target() finds is refused (iptables 1.8.9: `iptables -t nat -N
      // LOG`; in a restore `-N MASQUERADE`, unless a `:MASQUERADE` line came before).
      if (cmd.op === 'new-chain' && (isStandardVerdict(chain!) || (isTargetName(chain!) && env.announced?.has(chain!) !== true))) return fail(CHAIN_CLASH, st.chainWord);
      if (cmd.op === 'new-chain') return { op: 'new-chain', chain: chain!, at };
      if (cmd.op === 'rename-chain') {
        at.to = st.toWord!.col;
        return { op: 'rename-chain', chain: chain!, to: cmd.to!, at };
      }
      if (cmd.op === 'policy') {
        if (cmd.policy !== 'ACCEPT' && cmd.policy !== 'DROP') return fail('Bad policy name.', st.policyWord);
        if (cmd.policy === 'DROP' && env.table === 'nat') return fail(NAT_DROP, st.policyWord);
        return { op: 'policy', chain: chain!, policy: cmd.policy, at };
      }
      return { op: cmd.op, chain, at };
    case 'list':
      return fail(`-${COMMAND_LETTER[cmd.op]} is not supported by packetwalk's iptables-restore`, st.commandWord);
    default:
      break;
  }
  if (cmd.op === 'delete' && cmd.num !== null) {
    if (illegal) return illegal;
    return { op: 'delete', chain: chain!, index: cmd.num, rules: null, at };
  }
  // do_parse(): a replacement is one rule, so one source and one destination address.
  if (cmd.op === 'replace' && ((st.srcList?.length ?? 0) > 1 || (st.dstList?.length ?? 0) > 1)) {
    return fail('Replacement rule does not specify a unique address', (st.srcList?.length ?? 0) > 1 ? st.srcWord : st.dstWord);
  }
  const ruleErr = checkRuleSpec(st, env, chain!);
  if (ruleErr) return ruleErr;
  const penv: RuleEnv = protoEnv(st, env.table);
  const matches: Match[] = [];
  for (const l of st.matchOrder) {
    const m = (l.builder as MatchBuilder).finish(penv);
    if (typeof m === 'string') return fail(m.startsWith('RULE_APPEND failed') ? `${ruleVerb(st)}${m.slice('RULE_APPEND'.length)}: rule in chain ${chain}` : m, l.word);
    if (m) {
      if (l.use !== undefined) l.use.matchIndex = matches.length;
      matches.push(m);
      at.matches.push(l.word?.col ?? at.command);
    }
  }
  let target: RuleTarget = { kind: 'none' };
  if (st.target) {
    const t: Target | string = (st.target.builder as TargetBuilder).finish(penv);
    if (typeof t === 'string') return fail(t.startsWith('RULE_APPEND failed') ? `${ruleVerb(st)}${t.slice('RULE_APPEND'.length)}: rule in chain ${chain}` : t, st.targetWord);
    target = { kind: 'module', target: t };
  } else if (st.jump) {
    target = st.jump;
  }
  if (env.trace !== undefined) {
    const tr = env.trace;
    for (const l of st.matchOrder) if (l.use !== undefined) tr.matches.push(l.use);
    tr.target = st.target?.use ?? null;
    tr.finishEnv = penv;
  }
  const rules: Rule[] = [];
  for (const s of st.srcList ?? [null]) {
    for (const d of st.dstList ?? [null]) {
      const b = st.basics;
      const basics: RuleBasics = {
        src: s ? { addr: s.addr, mask: s.mask, invert: st.srcInvert } : null,
        dst: d ? { addr: d.addr, mask: d.mask, invert: st.dstInvert } : null,
        in: b.in, out: b.out, proto: b.proto, protoInvert: b.protoInvert, fragment: b.fragment,
      };
      rules.push({ basics, matches, target, counters: { packets: st.counters.packets, bytes: st.counters.bytes } });
    }
  }
  if (cmd.op === 'append') return { op: 'append', chain: chain!, rules, at };
  if (cmd.op === 'insert') return { op: 'insert', chain: chain!, index: cmd.num ?? 1, rules, at };
  if (cmd.op === 'replace') return { op: 'replace', chain: chain!, index: cmd.num!, rules, at };
  return { op: 'delete', chain: chain!, index: null, rules, at };
}
