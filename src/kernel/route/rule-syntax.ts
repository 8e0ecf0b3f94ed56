// `ip rule add` syntax (iproute2 ip/iprule.c, iprule_modify()): selectors in any order, then one action.

import type { RuleAction, RuleSpec } from '../netns/world-spec.js';
import { RT_TABLE_MAIN } from '../netns/world-spec.js';
import type { SyntaxFailure, SyntaxResult, Word } from '../syntax-words.js';
import { U32_MAX, didYouMean, isValidIfname, parseUnsigned, splitWords, syntaxError } from '../syntax-words.js';
import { parsePrefixWord, parseTableId } from './route-syntax.js';

const VALUE_KEYWORDS = [
  'from', 'to', 'iif', 'dev', 'oif', 'fwmark', 'tos', 'dsfield', 'priority', 'prio', 'pref', 'preference', 'order',
  'lookup', 'table', 'type', 'ipproto', 'sport', 'dport', 'uidrange', 'suppress_prefixlength', 'sup_pl',
];

/** getprotobyname() / getprotobynumber() over /etc/protocols, for the protocols a rule is likely to name. */
export const IP_PROTOCOLS: Readonly<Record<string, number>> = {
  icmp: 1, igmp: 2, ipencap: 4, tcp: 6, udp: 17, ipv6: 41, gre: 47, esp: 50, ah: 51, 'ipv6-icmp': 58, sctp: 132, udplite: 136,
};

/** A protocol number as inet_proto_n2a() prints it. */
export function formatIpProto(n: number): string {
  for (const [name, v] of Object.entries(IP_PROTOCOLS)) if (v === n) return name;
  return String(n);
}
const ACTIONS: readonly RuleAction[] = ['blackhole', 'unreachable', 'prohibit'];

/** Parses the arguments of `ip rule add`, e.g. "from 10.0.3.0/24 lookup 100" or "fwmark 0x1/0x1 prohibit". */
export function parseRule(text: string): SyntaxResult<RuleSpec> {
  const words = splitWords(text);
  const rule: Partial<RuleSpec> = {};
  const seen = new Set<string>();
  let actionWord: Word | undefined;

  for (let i = 0; i < words.length; i++) {
    const word = words[i];
    if (word.text === 'not') {
      rule.not = true;
      continue;
    }
    const action = word.text === 'type' ? words[i + 1] : word;
    if (action !== undefined && (ACTIONS as readonly string[]).includes(action.text)) {
      if (actionWord !== undefined) return syntaxError(`a rule has one action, already "${actionWord.text}"`, action.column);
      actionWord = action;
      rule.action = action.text as RuleAction;
      i += action === word ? 0 : 1;
      continue;
    }
    if (!VALUE_KEYWORDS.includes(word.text) || word.text === 'type') {
      const hint = didYouMean(word.text, [...VALUE_KEYWORDS, 'not', ...ACTIONS]);
      return syntaxError(`"${word.text}" is not an ip rule selector or action${hint}`, word.column);
    }
    const key = canonicalKeyword(word.text);
    if (seen.has(key)) return syntaxError(`"${word.text}" is given twice`, word.column);
    seen.add(key);
    const value = words[i + 1];
    if (value === undefined) return syntaxError(`"${word.text}" needs a value`, word.column);
    const err = applyKeyword(rule, key, value);
    if (err !== undefined) return err;
    if (key === 'lookup') {
      if (actionWord !== undefined) return syntaxError(`a rule has one action, already "${actionWord.text}"`, word.column);
      actionWord = word;
      rule.action = 'lookup';
    }
    i++;
  }

  const action = rule.action ?? 'lookup';
  const spec: RuleSpec = { text, not: rule.not ?? false, action };
  if (rule.priority !== undefined) spec.priority = rule.priority;
  if (rule.from !== undefined) spec.from = rule.from;
  if (rule.to !== undefined) spec.to = rule.to;
  if (rule.iif !== undefined) spec.iif = rule.iif;
  if (rule.oif !== undefined) spec.oif = rule.oif;
  if (rule.fwmark !== undefined) spec.fwmark = rule.fwmark;
  if (rule.tos !== undefined) spec.tos = rule.tos;
  if (rule.ipproto !== undefined) spec.ipproto = rule.ipproto;
  if (rule.sport !== undefined) spec.sport = rule.sport;
  if (rule.dport !== undefined) spec.dport = rule.dport;
  if (rule.uidrange !== undefined) spec.uidrange = rule.uidrange;
  if (rule.suppressPrefixlength !== undefined) spec.suppressPrefixlength = rule.suppressPrefixlength;
  // iprule_modify(): a rule without `lookup` looks up main.
  if (action === 'lookup') spec.table = rule.table ?? RT_TABLE_MAIN;
  return { ok: true, value: spec };
}

function canonicalKeyword(key: string): string {
  switch (key) {
    case 'dev': return 'iif';
    case 'dsfield': return 'tos';
    case 'prio': case 'pref': case 'preference': case 'order': return 'priority';
    case 'table': return 'lookup';
    case 'sup_pl': return 'suppress_prefixlength';
    default: return key;
  }
}

function applyKeyword(rule: Partial<RuleSpec>, key: string, value: Word): SyntaxFailure | undefined {
  const bad = (what: string) => syntaxError(`"${value.text}" is not ${what}`, value.column);
  switch (key) {
    case 'from':
    case 'to': {
      const prefix = parsePrefixWord(value.text);
      if (prefix === undefined) return bad('a prefix (expected ADDR/LEN or all)');
      // `from all` and a /0 add no selector (iprule_modify() skips FRA_SRC/FRA_DST for "all").
      if (prefix.len > 0) rule[key] = prefix;
      return undefined;
    }
    case 'iif':
    case 'oif':
      if (!isValidIfname(value.text)) return bad('a valid device name');
      rule[key] = value.text;
      return undefined;
    case 'fwmark': {
      const [v, m] = value.text.split('/', 2);
      const mark = parseUnsigned(v, U32_MAX);
      const mask = m === undefined ? U32_MAX : parseUnsigned(m, U32_MAX);
      if (mark === undefined || mask === undefined) return bad('a firewall mark (VALUE or VALUE/MASK)');
      rule.fwmark = { value: mark, mask };
      return undefined;
    }
    case 'tos': {
      // rtnl_dsfield_a2n() reads the number in hex, with or without 0x.
      const tos = /^(0[xX])?[0-9a-fA-F]{1,2}$/.test(value.text) ? parseInt(value.text, 16) : undefined;
      if (tos === undefined) return bad('a TOS value (hex, 0x00..0xff)');
      // Linux: fib4_rule_configure() refuses a dsfield with the ECN bits set.
      if ((tos & 0x3) !== 0) return syntaxError(`Invalid dsfield (tos): ECN bits must be 0 in ${value.text}`, value.column);
      rule.tos = tos;
      return undefined;
    }
    case 'priority':
      rule.priority = parseUnsigned(value.text, U32_MAX);
      return rule.priority === undefined ? bad('a rule priority (0..4294967295)') : undefined;
    case 'lookup':
      rule.table = parseTableId(value.text);
      return rule.table === undefined ? bad('a table (main, local, default or a number)') : undefined;
    case 'ipproto': {
      const n = IP_PROTOCOLS[value.text] ?? parseUnsigned(value.text, 255);
      if (n === undefined) return syntaxError(`argument "${value.text}" is wrong: Invalid "ipproto" value (a protocol name such as tcp, udp, icmp, or 0..255)`, value.column);
      rule.ipproto = n;
      return undefined;
    }
    case 'sport':
    case 'dport': {
      // iprule_modify(): sscanf("%hu-%hu"), one number is a range of one; fib_rule_port_range_valid() wants
      // 1..65535 with start <= end.
      const m = /^(\d+)(?:-(\d*))?$/.exec(value.text);
      if (m === null) return syntaxError(`argument "${value.text}" is wrong: invalid port range`, value.column);
      const start = Number(m[1]);
      const end = m[2] ? Number(m[2]) : start;
      if (start === 0 || start > 65535 || end > 65535 || start > end) return syntaxError(`Invalid ${key} range: ${value.text} (ports 1..65535, START-END with START <= END)`, value.column);
      rule[key] = { start, end };
      return undefined;
    }
    case 'uidrange': {
      const m = /^(\d+)-(\d+)$/.exec(value.text);
      if (m === null) return syntaxError(`argument "${value.text}" is wrong: invalid UID range (expected START-END)`, value.column);
      const start = parseUnsigned(m[1], U32_MAX);
      const end = parseUnsigned(m[2], U32_MAX);
      if (start === undefined || end === undefined) return syntaxError(`argument "${value.text}" is wrong: invalid UID range`, value.column);
      if (start > end) return syntaxError(`Invalid uid range: ${value.text} (START must not exceed END)`, value.column);
      rule.uidrange = { start, end };
      return undefined;
    }
    case 'suppress_prefixlength': {
      const n = parseUnsigned(value.text, 0x7fffffff);
      if (n === undefined) return syntaxError(`argument "${value.text}" is wrong: suppress_prefixlength value is invalid (0 or more)`, value.column);
      rule.suppressPrefixlength = n;
      return undefined;
    }
  }
  return undefined;
}
