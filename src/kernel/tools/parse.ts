// Which tool and subcommand a command line names, the way each tool dispatches its first words: iproute2's
// matches() takes any prefix of an object or verb, tried in the tool's own order.

import type { Word } from '../syntax-words.js';
import { didYouMean, splitWords } from '../syntax-words.js';
import type { ParseResult } from './command.js';
import { fail } from './command.js';
import { parseConntrack } from './conntrack.js';
import { parseIpAddr } from './ip-addr.js';
import { parseIpLinkSet } from './ip-link.js';
import { parseIpNeigh, parseIpNeighDel, parseIpNeighFlush } from './ip-neigh.js';
import { parseIpRoute, parseIpRouteFlush } from './ip-route.js';
import { parseIpRule } from './ip-rule.js';
import { matches } from './ip-words.js';
import { parseIptables, parseIptablesRestore } from './iptables.js';
import { shellWords } from './shell-words.js';
import { parseSysctl } from './sysctl.js';

export const TOOLS = ['ip', 'iptables', 'iptables-restore', 'conntrack', 'sysctl'] as const;

/** iproute2's cmds[] in ip/ip.c order, so that a prefix picks what `ip` picks ("r" is route, "ru" rule). */
const IP_OBJECTS = ['address', 'addrlabel', 'maddress', 'route', 'rule', 'neighbor', 'neighbour', 'ntable', 'link'];

/** Each object's verbs in the order its do_*() tries them; `null` marks verbs the tool has but we do not model. */
const VERBS: Readonly<Record<string, ReadonlyArray<readonly [string, string | null]>>> = {
  route: [['add', 'add'], ['change', 'change'], ['chg', 'change'], ['replace', 'replace'], ['prepend', 'prepend'],
    ['append', 'append'], ['test', null], ['delete', 'del'], ['list', null], ['show', null], ['lst', null], ['get', null],
    ['flush', 'flush']],
  rule: [['add', 'add'], ['delete', 'del'], ['flush', null], ['list', null], ['show', null], ['lst', null]],
  address: [['add', 'add'], ['change', null], ['chg', null], ['replace', null], ['delete', 'del'], ['list', null],
    ['show', null], ['lst', null], ['flush', null]],
  neighbor: [['add', 'add'], ['change', 'change'], ['chg', 'change'], ['replace', 'replace'], ['delete', 'del'],
    ['show', null], ['list', null], ['lst', null], ['flush', 'flush']],
  link: [['add', null], ['set', 'set'], ['change', 'set'], ['delete', null], ['show', null], ['list', null], ['lst', null]],
};

const MODELLED = 'modelled: ip route|rule|addr|neigh|link, iptables, iptables-restore, conntrack, sysctl';

function parseIp(text: string, words: readonly Word[]): ParseResult {
  const objWord = words[1];
  if (objWord === undefined) return fail(`"ip" needs an object (route, rule, addr, neigh, link)`, words[0].column);
  if (objWord.text.startsWith('-')) return fail(`ip option "${objWord.text}" is not modelled: the command runs in its namespace already`, objWord.column);
  let object = IP_OBJECTS.find((o) => matches(objWord.text, o));
  if (object === 'neighbour') object = 'neighbor';
  const verbs = object === undefined ? undefined : VERBS[object];
  if (object === undefined || verbs === undefined) {
    return fail(`Object "${objWord.text}" is unknown or not modelled (route, rule, addr, neigh, link)${didYouMean(objWord.text, ['route', 'rule', 'addr', 'neigh', 'link'])}`, objWord.column);
  }
  const verbWord = words[2];
  if (verbWord === undefined) return fail(`"ip ${object}" needs a command (${verbs.filter(([, v]) => v).map(([n]) => n).join(', ')})`, objWord.column);
  const hit = verbs.find(([name]) => matches(verbWord.text, name));
  if (hit === undefined || hit[1] === null) {
    const names = verbs.filter(([, v]) => v).map(([n]) => n);
    return fail(`Command "${verbWord.text}" is unknown or not modelled for ip ${object} (${names.join(', ')})${didYouMean(verbWord.text, names)}`, verbWord.column);
  }
  const verb = hit[1];
  switch (object) {
    case 'route':
      return verb === 'flush' ? parseIpRouteFlush(text, words, 3) : parseIpRoute(text, words, verb as 'add', 3);
    case 'rule':
      return parseIpRule(text, words, verb as 'add' | 'del', 3);
    case 'address':
      return parseIpAddr(text, words, verb as 'add' | 'del', 3);
    case 'neighbor':
      if (verb === 'del') return parseIpNeighDel(text, words, 3);
      if (verb === 'flush') return parseIpNeighFlush(text, words, 3);
      return parseIpNeigh(text, words, verb as 'add' | 'replace' | 'change', 3);
    default:
      return parseIpLinkSet(text, words, 3);
  }
}

/** Parses `text` (and `stdin` for iptables-restore) as the tool would, without touching any namespace. */
export function parseToolCommand(text: string, stdin?: string): ParseResult {
  const words = splitWords(text);
  if (words.length === 0) return fail(`empty command (${MODELLED})`, 1);
  // The command runs through a shell on a real kernel: it must be one simple command there too.
  const shell = shellWords(text);
  if (!shell.ok) return fail(shell.message, shell.column);
  const tool = words[0].text;
  if (stdin !== undefined && tool !== 'iptables-restore') return fail(`only iptables-restore reads stdin, not "${tool}"`, words[0].column);
  switch (tool) {
    case 'ip':
      return parseIp(text, words);
    case 'iptables':
      return parseIptables(text);
    case 'iptables-restore':
      return parseIptablesRestore(text, stdin);
    case 'conntrack':
      return parseConntrack(text, words);
    case 'sysctl':
      return parseSysctl(text, words);
    default:
      return fail(`"${tool}" is not a modelled tool (${MODELLED})${didYouMean(tool, TOOLS)}`, words[0].column);
  }
}
