// The rules of one namespace as chains of rule texts, and what `iptables-restore --noflush` does to them: a
// `:CHAIN` line creates a user chain or flushes the one that exists (a built-in chain only takes the policy),
// `-A`/`-I`/`-D`/`-F`/`-X` act on one chain, tables not named are left alone (iptables-restore.c, nft's
// xtables-restore: the same --noflush semantics). Used to check that a component's restore text takes the rules
// where the new compile has them, and to write the rest (realize-cluster-step.ts). Rules are compared as written.

export interface ChainState {
  /** ACCEPT/DROP for a built-in chain, undefined for a user chain. */
  policy?: string;
  rules: string[];
}

/** table -> chain -> state. */
export type RulesModel = Map<string, Map<string, ChainState>>;

const BUILTIN: Readonly<Record<string, readonly string[]>> = {
  raw: ['PREROUTING', 'OUTPUT'],
  mangle: ['PREROUTING', 'INPUT', 'FORWARD', 'OUTPUT', 'POSTROUTING'],
  nat: ['PREROUTING', 'INPUT', 'OUTPUT', 'POSTROUTING'],
  filter: ['INPUT', 'FORWARD', 'OUTPUT'],
};

function tableOf(m: RulesModel, name: string): Map<string, ChainState> {
  let t = m.get(name);
  if (t === undefined) {
    t = new Map((BUILTIN[name] ?? []).map((c) => [c, { policy: 'ACCEPT', rules: [] }]));
    m.set(name, t);
  }
  return t;
}

/** Applies restore text with --noflush semantics to `m` (in place); returns the lines it could not take. */
export function applyNoflush(m: RulesModel, text: string): string[] {
  const bad: string[] = [];
  let table = tableOf(m, 'filter');
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line === 'COMMIT') continue;
    if (line.startsWith('*')) {
      table = tableOf(m, line.slice(1));
      continue;
    }
    const decl = /^:(\S+)\s+(\S+)/.exec(line);
    if (decl !== null) {
      const c = table.get(decl[1]);
      if (c?.policy !== undefined) {
        if (decl[2] !== '-') c.policy = decl[2];
      } else table.set(decl[1], { rules: [] });
      continue;
    }
    const op = /^-([AIDFX])(?:\s+(\S+))?\s*(.*)$/.exec(line);
    const chain = op?.[2] === undefined ? undefined : table.get(op[2]);
    if (op === null || (chain === undefined && op[1] !== 'F')) {
      bad.push(raw);
      continue;
    }
    const rest = op[3];
    switch (op[1]) {
      case 'A':
        chain?.rules.push(rest);
        break;
      case 'I': {
        const n = /^(\d+)\s+(.*)$/.exec(rest);
        chain?.rules.splice(n === null ? 0 : Number(n[1]) - 1, 0, n === null ? rest : n[2]);
        break;
      }
      case 'D': {
        const i = chain?.rules.indexOf(rest) ?? -1;
        if (i < 0) bad.push(raw);
        else chain?.rules.splice(i, 1);
        break;
      }
      case 'F':
        for (const c of chain === undefined ? table.values() : [chain]) c.rules.length = 0;
        break;
      case 'X':
        if (chain?.policy !== undefined) bad.push(raw);
        else if (op[2] !== undefined) table.delete(op[2]);
        break;
    }
  }
  return bad;
}

/** A model from full restore text (the specs' `iptables`). */
export function rulesModel(text: string): RulesModel {
  const m: RulesModel = new Map();
  applyNoflush(m, text);
  return m;
}

/**
 * `iptables-restore --noflush` input that takes `from` to `to`: each chain that differs is written whole (a
 * user chain declared, which flushes it; a built-in one flushed with -F), chains only in `from` flushed and
 * deleted after that. Empty when they are the same; tables only in `from` are left alone.
 */
export function noflushDelta(from: RulesModel, to: RulesModel): string {
  const out: string[] = [];
  for (const [name, want] of to) {
    const have = from.get(name) ?? tableOf(new Map(), name);
    const lines: string[] = [];
    const tail: string[] = [];
    for (const [chain, c] of want) {
      const h = have.get(chain);
      if (h !== undefined && h.policy === c.policy && h.rules.join('\n') === c.rules.join('\n')) continue;
      if (c.policy !== undefined) {
        lines.push(`:${chain} ${c.policy} [0:0]`);
        tail.push(`-F ${chain}`);
      } else lines.push(`:${chain} - [0:0]`);
      for (const r of c.rules) tail.push(`-A ${chain} ${r}`);
    }
    // -F before the appends of the same chain: put each built-in flush first.
    const flushes = tail.filter((l) => l.startsWith('-F '));
    const appends = tail.filter((l) => !l.startsWith('-F '));
    const stale = [...have.keys()].filter((c) => !want.has(c) && have.get(c)?.policy === undefined);
    const drop = [...stale.map((c) => `-F ${c}`), ...stale.map((c) => `-X ${c}`)];
    if (lines.length + drop.length === 0) continue;
    out.push(`*${name}`, ...lines, ...flushes, ...appends, ...drop, 'COMMIT');
  }
  return out.length === 0 ? '' : `${out.join('\n')}\n`;
}

/** Whether two models hold the same chains with the same rules and policies (tables with nothing in either count as equal). */
export function sameRules(a: RulesModel, b: RulesModel): boolean {
  return noflushDelta(a, b) === '' && noflushDelta(b, a) === '';
}
