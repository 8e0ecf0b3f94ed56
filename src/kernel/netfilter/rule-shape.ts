// Lines of one shape with value holes: `-A CHAIN ...` lines that differ only in the values of options whose parse
// is a pure function of the value word share one parse. kube-proxy writes one KUBE-SERVICES line per Service that
// no other line repeats (its comment, ClusterIP, port and KUBE-SVC chain are its own); they all read as one shape.
//
// A hole is a word that follows one of these words as written (HOLE_AFTER): the chain after a leading `-A`
// (a user chain: built-in names are checked by name in do_parse()), the address of `-s` / `-d`, the chain of
// `-g`, the chain of `-j` when it names no target module, and the value of `--comment`, `--dport`, `--sport`,
// `--to-destination`, `--probability`. The shape's key is every other word as written, so the getopt loop of
// do_parse() reads a line of the shape exactly as it read the template's: which option takes which word, which
// module is loaded, in which order. The template is kept only when its parse took each hole as the argument of
// that very option (ParseTrace.argOf), so a word that merely follows such a word (a comment's text `-d`) makes
// no template.
//
// A line of the shape gets the template's parse with each hole's value read by the very function the full parse
// uses (parseAddressList(), the module's option callback replayed with its calls, then its final check, the
// chain checks); when any of them fails, or gives a parse of another kind (an address list, a module that
// leaves no match, a match that holds state), the line is parsed in full, so its errors and columns are its own.

import type { Match, MatchBuilder, RuleEnv, Target, TargetBuilder } from './module.js';
import type { ModuleUse, ParseTrace, CommandAt } from './rule-parse.js';
import type { Rule, RuleBasics, RuleTarget } from './ruleset.js';
import type { Word } from './tokenize.js';
import type { CachedCommand } from './rule-parse-cache.js';
import { parseAddressList } from './basic-filter.js';
import { findTarget } from './registry.js';
import { checkChainName } from './rule-parse.js';
import { BUILTIN_NAMES, shareableMatch } from './rule-parse-cache.js';
import { ownCopy } from './tokenize.js';

/** The option words (as written) whose next word is a hole; `-j`'s only when it names no target module. */
const HOLE_AFTER: ReadonlySet<string> = new Set(['-s', '-d', '-g', '-j', '--comment', '--dport', '--sport', '--to-destination', '--probability']);

/**
 * The shape of a `-A` line's words: each word as written, holes left empty (a raw word is never empty: `""` is
 * written with its quotes), joined by NUL (no word of a line with none holds one), and the holes' word indices.
 * Undefined when no word is a hole. A hole's own word is no option word here: the word after it is not a hole.
 */
export function shapeKey(words: readonly Word[], line: string): { key: string; holes: number[] } | undefined {
  if (words.length < 3 || words[0].raw !== '-A' || line.indexOf('\u0000') >= 0) return undefined;
  const holes: number[] = [];
  let key = '-A';
  // The chain: a user chain (do_parse() checks built-in chains by name).
  let prevHole = !BUILTIN_NAMES.has(words[1].text);
  if (prevHole) {
    holes.push(1);
    key += '\u0000';
  } else key += `\u0000${words[1].raw}`;
  for (let i = 2; i < words.length; i++) {
    const before = words[i - 1].raw;
    const hole = !prevHole && HOLE_AFTER.has(before) && (before !== '-j' || findTarget(words[i].text) === undefined);
    if (hole) {
      holes.push(i);
      key += '\u0000';
    } else key += `\u0000${words[i].raw}`;
    prevHole = hole;
  }
  return holes.length === 0 ? undefined : { key, holes };
}

type HoleKind =
  | { kind: 'chain' | 'jump' | 'goto' | 'source' | 'destination'; word: number }
  | { kind: 'option'; word: number; use: number; call: number; arg: number };

/** A parse with value holes. */
export interface ShapeTemplate {
  holes: readonly HoleKind[];
  /** The template's words as written: a line of the shape has the same ones outside its holes. */
  raw: readonly string[];
  rule: Rule;
  /** The modules of the rule (matches, then the target last when it has one), replayed when a hole is theirs. */
  uses: readonly ModuleUse[];
  hasTarget: boolean;
  finishEnv: RuleEnv;
  /** Where `at`'s columns are, as word indices. */
  at: { command: number; chain: number; target: number; matches: readonly number[]; src: number; dst: number };
}

/**
 * The template of a `-A` line's successful parse (one rule, its matches shareable), or undefined when a hole was
 * not taken as the argument of the option it follows, or the parse is of a kind a hole could change.
 */
export function makeTemplate(words: readonly Word[], holes: readonly number[], trace: ParseTrace, rules: readonly Rule[], at: CommandAt): ShapeTemplate | undefined {
  if (rules.length !== 1 || trace.finishEnv === null || at.command !== words[0].col || at.chain !== words[1].col) return undefined;
  const rule = rules[0];
  const uses: ModuleUse[] = trace.matches.slice();
  if (trace.target !== null) uses.push(trace.target);
  const kinds: HoleKind[] = [];
  for (const w of holes) {
    const a = trace.argOf[w];
    if (a === undefined) return undefined;
    if (a.kind === 'option') {
      const use = uses.indexOf(a.use);
      if (use < 0 || (use < trace.matches.length && a.use.matchIndex < 0)) return undefined;
      kinds.push({ kind: 'option', word: w, use, call: a.call, arg: a.arg });
      continue;
    }
    if (w === 1 ? a.kind !== 'chain' : a.kind === 'chain') return undefined;
    if ((a.kind === 'jump' || a.kind === 'goto') && rule.target.kind !== a.kind) return undefined;
    if (a.kind === 'source' && rule.basics.src === null) return undefined;
    if (a.kind === 'destination' && rule.basics.dst === null) return undefined;
    kinds.push({ kind: a.kind, word: w });
  }
  const index = (col: number | null | undefined): number => (col === null || col === undefined ? -1 : words.findIndex((x) => x.col === col));
  const matches = at.matches.map(index);
  if (matches.some((m) => m < 0)) return undefined;
  return {
    holes: kinds,
    raw: words.map((w) => w.raw),
    rule,
    uses,
    hasTarget: trace.target !== null,
    finishEnv: trace.finishEnv,
    at: { command: 0, chain: 1, target: index(at.target), matches, src: index(at.src), dst: index(at.dst) },
  };
}

/** One address of `-s` / `-d` as the full parse reads it, or undefined for anything else (a list, an error). */
function oneAddress(text: string, invert: boolean): { addr: number; mask: number; invert: boolean } | undefined {
  const list = parseAddressList(text);
  if (typeof list === 'string' || list.length !== 1) return undefined;
  // `! -s A/0`: refused by the kernel (checkRuleSpec()).
  if (invert && list[0].mask === 0) return undefined;
  return { addr: list[0].addr, mask: list[0].mask, invert };
}

/**
 * The parse of `words` (a line of `t`'s shape) from `t`, or undefined when a value reads otherwise than the
 * template's did (the line is then parsed in full). `text` is what the entry hands on as the line's text.
 */
export function fillTemplate(t: ShapeTemplate, words: readonly Word[], text: string, chainNamed: (name: string) => string | undefined): CachedCommand | undefined {
  const r = t.rule;
  let basics: RuleBasics = r.basics;
  let target: RuleTarget = r.target;
  // By module use, by call: the arguments with the line's values in place (only for the calls that have holes).
  let dirty: Array<Array<string[] | undefined> | undefined> | null = null;
  let chain = words[1].text;
  // The words as written: the template's outside the holes; a hole's own (a chain's as the restore keeps it), in a
  // string of its own so that the entry keeps no copy of the line but its text.
  const raw = t.raw.slice();
  for (const h of t.holes) {
    const v = words[h.word].text;
    const written = words[h.word].raw;
    raw[h.word] = ownCopy(written);
    switch (h.kind) {
      case 'chain':
        if (checkChainName(v) !== undefined) return undefined;
        chain = chainNamed(v) ?? v;
        if (written === v) raw[h.word] = chain;
        break;
      case 'jump':
      case 'goto':
        // do_parse(): a name that is no target module must be a chain that exists now (and DROP is refused in nat).
        if ((h.kind === 'goto' && checkChainName(v) !== undefined) || v === 'DROP') return undefined;
        const name = chainNamed(v);
        if (name === undefined) return undefined;
        target = { kind: h.kind, chain: name };
        if (written === v) raw[h.word] = name;
        break;
      case 'source':
      case 'destination': {
        const a = oneAddress(v, (h.kind === 'source' ? r.basics.src : r.basics.dst)!.invert);
        if (a === undefined) return undefined;
        if (basics === r.basics) {
          const b = r.basics;
          // Field by field: a spread copies through a slower generic path.
          basics = { src: b.src, dst: b.dst, in: b.in, out: b.out, proto: b.proto, protoInvert: b.protoInvert, fragment: b.fragment };
        }
        if (h.kind === 'source') basics.src = a;
        else basics.dst = a;
        break;
      }
      case 'option': {
        dirty ??= new Array<Array<string[] | undefined> | undefined>(t.uses.length);
        let calls = dirty[h.use];
        if (calls === undefined) dirty[h.use] = calls = new Array<string[] | undefined>(t.uses[h.use].calls.length);
        let args = calls[h.call];
        if (args === undefined) calls[h.call] = args = t.uses[h.use].calls[h.call].args.slice();
        // A copy: what the module keeps of the value (a comment) must not keep the line's words alive.
        args[h.arg] = ownCopy(v);
        break;
      }
    }
  }
  let matches = r.matches;
  if (dirty !== null) {
    for (let u = 0; u < dirty.length; u++) {
      const calls = dirty[u];
      if (calls === undefined) continue;
      const use = t.uses[u];
      // The module's options read again in the order they were given, the new values in place.
      const b = use.module.create() as MatchBuilder | TargetBuilder;
      for (let c = 0; c < use.calls.length; c++) {
        const call = use.calls[c];
        const e = b.option(call.spec, calls[c] ?? call.args, call.invert, call.env);
        if (e !== undefined) return undefined;
      }
      const made = b.finish(t.finishEnv);
      if (made === null || typeof made === 'string') return undefined;
      if (t.hasTarget && u === t.uses.length - 1) target = { kind: 'module', target: made as Target };
      else {
        const m = made as Match;
        if (!shareableMatch(m)) return undefined;
        if (matches === r.matches) matches = r.matches.slice();
        (matches as Match[])[use.matchIndex] = m;
      }
    }
  }
  const rule: Rule = { basics, matches, target, counters: { packets: r.counters.packets, bytes: r.counters.bytes }, source: raw.slice(2) };
  const col = (i: number): number => words[i].col;
  const a = t.at;
  const matchCols = new Array<number>(a.matches.length);
  for (let i = 0; i < matchCols.length; i++) matchCols[i] = col(a.matches[i]);
  const at: CommandAt = { command: col(a.command), chain: col(a.chain), target: a.target < 0 ? null : col(a.target), matches: matchCols };
  if (a.src >= 0) at.src = col(a.src);
  if (a.dst >= 0) at.dst = col(a.dst);
  const jumpsTo = target.kind === 'jump' || target.kind === 'goto' ? target.chain : null;
  return { command: { op: 'append', chain, rules: [rule] }, at, words: raw, jumpsTo, text: ownCopy(text) };
}
