// `ip rule add|del` (iproute2 ip/iprule.c iprule_modify()) against a namespace's policy rules
// (fib_nl_newrule(), fib_nl_delrule()).

import type { Netns } from '../netns/netns.js';
import type { FibRule, RuleDeleteKey } from '../route/fib.js';
import { parseRule } from '../route/rule-syntax.js';
import type { Word } from '../syntax-words.js';
import type { IpRuleCommand, ParseResult } from './command.js';
import { fail } from './command.js';
import { argsOf } from './ip-words.js';
import { fibRuleOf } from '../netns/build-world.js';

const CANONICAL: Readonly<Record<string, string>> = {
  from: 'from', to: 'to', iif: 'iif', dev: 'iif', oif: 'oif', fwmark: 'fwmark', tos: 'tos', dsfield: 'tos',
  priority: 'priority', prio: 'priority', pref: 'priority', preference: 'priority', order: 'priority',
  lookup: 'action', table: 'action', blackhole: 'action', unreachable: 'action', prohibit: 'action', type: 'action',
};

export function parseIpRule(text: string, words: readonly Word[], verb: 'add' | 'del', at: number): ParseResult {
  const { args, offset } = argsOf(text, words, at);
  const parsed = parseRule(args);
  if (!parsed.ok) return fail(parsed.error, parsed.column + offset);
  const given = words.slice(at).map((w) => CANONICAL[w.text] ?? '').filter((k) => k !== '');
  const cmd: IpRuleCommand = { tool: 'ip', object: 'rule', verb, text, rule: { ...parsed.value, text: args }, given };
  return { ok: true, command: cmd };
}


export function applyIpRule(ns: Netns, cmd: IpRuleCommand): string[] {
  const r = cmd.rule;
  if (cmd.verb === 'add') {
    const rule = fibRuleOf(cmd.rule);
    // fib_nl_newrule() with NLM_F_EXCL: rule_exists() refuses an identical rule at the same priority.
    if (rule.priority !== undefined && ns.fib.rules.some((x) => sameRule(x, { ...rule, priority: rule.priority! }))) {
      return ['RTNETLINK answers: File exists'];
    }
    ns.fib.addRule(rule);
    return [];
  }
  const has = (k: string): boolean => cmd.given.includes(k);
  const key: RuleDeleteKey = {};
  if (r.priority !== undefined) key.priority = r.priority;
  if (has('action')) key.action = r.action;
  if (has('action') && r.action === 'lookup') key.table = r.table;
  if (r.from !== undefined) key.src = r.from;
  if (r.to !== undefined) key.dst = r.to;
  if (r.iif !== undefined) key.iif = r.iif;
  if (r.oif !== undefined) key.oif = r.oif;
  if (r.fwmark !== undefined) {
    key.mark = r.fwmark.value;
    key.markMask = r.fwmark.mask;
  }
  if (r.tos !== undefined) key.tos = r.tos;
  return ns.fib.deleteRule(key) ? [] : ['RTNETLINK answers: No such file or directory'];
}

function sameRule(a: FibRule, b: FibRule): boolean {
  return a.priority === b.priority && a.not === b.not && a.src === b.src && a.srcLen === b.srcLen && a.dst === b.dst
    && a.dstLen === b.dstLen && a.iif === b.iif && a.oif === b.oif && a.mark === b.mark && a.markMask === b.markMask
    && a.tos === b.tos && a.action === b.action && (a.action !== 'lookup' || a.table === b.table);
}
