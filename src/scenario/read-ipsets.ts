// A namespace's `ipsets`: each `{name, type, members}` read as `ipset create NAME TYPE` and `ipset add NAME
// MEMBER` would take it, refused with ipset's own words; and the `--match-set NAME` of the namespace's
// iptables checked against them, as libxt_set's get_set_byname() does when iptables-restore parses the rule.

import type { Node } from 'yaml';
import { splitWords } from '../kernel/netfilter/tokenize.js';
import type { IpsetSpec, IpsetType } from '../kernel/netns/world-spec.js';
import { IPSET_TYPES } from '../kernel/netns/world-spec.js';
import type { SyntaxResult } from '../kernel/syntax-words.js';
import { didYouMean, parseUnsigned, syntaxError } from '../kernel/syntax-words.js';
import { formatIpv4, parseIpv4, prefixNetwork } from '../wire/ipv4-addr.js';
import { ipsetElements } from '../kernel/netns/build-world.js';
import { SCENARIO_FIELDS } from './fields.js';
import type { Located } from './topology-draft.js';
import { readFields, readList, readName, readString, readStringList } from './yaml-fields.js';
import type { ScenarioSource } from './yaml-source.js';

/** IPSET_MAXNAMELEN is 32, with the terminating NUL. */
const MAX_NAME = 31;
/** The default `maxelem` of a hash set. */
const MAX_ELEMENTS = 65536;

export function readIpsets(src: ScenarioSource, node: Node | undefined, what: string): Located<IpsetSpec>[] {
  const out: Located<IpsetSpec>[] = [];
  const first = new Map<string, Located<IpsetSpec>>();
  (readList(src, node, `${what}: ipsets`) ?? []).forEach((item, i) => {
    const read = readIpset(src, item, `${what}: ipsets[${i}]`);
    if (read === undefined) return;
    const { set, nameNode } = read;
    const earlier = first.get(set.spec.name);
    if (earlier !== undefined) {
      src.error(nameNode, `${set.label}: Set cannot be created: set with the same name already exists (first at line ${src.locate(earlier.node).line})`);
      return;
    }
    first.set(set.spec.name, set);
    out.push(set);
  });
  return out;
}

function readIpset(src: ScenarioSource, node: Node, what: string): { set: Located<IpsetSpec>; nameNode: Node } | undefined {
  const fields = readFields(src, node, what, SCENARIO_FIELDS.ipset, ['name', 'type']);
  if (fields === undefined) return undefined;
  const v = fields.values;
  const name = fields.keys.has('name') ? readSetName(src, v.get('name'), `${what}: name`) : undefined;
  const label = name === undefined ? what : `${what} ("${name}")`;
  const type = fields.keys.has('type') ? readSetType(src, v.get('type'), `${label}: type`) : undefined;
  const nameNode = v.get('name');
  if (name === undefined || type === undefined || nameNode === undefined) return undefined;
  const members: string[] = [];
  const taken = new Set<string>();
  let count = 0;
  if (fields.keys.has('members')) {
    readStringList(src, v.get('members'), `${label}: members`).forEach(({ text, node: at }, j) => {
      const where = `${label}: members[${j}]`;
      const r = parseIpsetMember(type, text);
      if (!r.ok) {
        src.errorInString(at, r.column, `${where}: ${r.error}`);
        return;
      }
      const elements = ipsetElements(type, r.value);
      // A range stops at the first element already there (ip_set_uadd() gets -IPSET_ERR_EXIST).
      if (elements.some((e) => taken.has(e))) {
        src.error(at, `${where}: Element cannot be added to the set: it's already added`);
        return;
      }
      count += elements.length;
      if (count > MAX_ELEMENTS) {
        src.error(at, `${where}: Hash is full, cannot add more elements (maxelem ${MAX_ELEMENTS})`);
        return;
      }
      for (const e of elements) taken.add(e);
      members.push(r.value);
    });
  }
  return { set: { spec: { name, type, members }, node, label }, nameNode };
}

function readSetName(src: ScenarioSource, node: Node | undefined, what: string): string | undefined {
  const name = readName(src, node, what);
  if (name === undefined) return undefined;
  if (name.length > MAX_NAME) {
    src.error(node, `${what}: Syntax error: setname '${name}' is longer than ${MAX_NAME} characters`);
    return undefined;
  }
  if (/\s/.test(name)) {
    src.error(node, `${what}: "${name}" is not a set name iptables can refer to (no blanks)`);
    return undefined;
  }
  return name;
}

function readSetType(src: ScenarioSource, node: Node | undefined, what: string): IpsetType | undefined {
  const type = readString(src, node, what);
  if (type === undefined) return undefined;
  if ((IPSET_TYPES as readonly string[]).includes(type)) return type as IpsetType;
  src.error(node, `${what}: Syntax error: typename '${type}' is unknown (modelled: ${IPSET_TYPES.join(', ')})${didYouMean(type, IPSET_TYPES)}`);
  return undefined;
}

/**
 * One `ipset add` element in its canonical form: the network of a prefix, no "/32", a port with its protocol
 * (ipset assumes tcp). `hash:ip` takes a prefix as a range of addresses; `hash:net` a network of 1..32 bits.
 */
export function parseIpsetMember(type: IpsetType, text: string): SyntaxResult<string> {
  // `ipset add NAME NET nomatch`: an exception inside a hash:net set (the most specific prefix decides).
  if (type === 'hash:net' && text.endsWith(' nomatch')) {
    const r = parseIpsetMember(type, text.slice(0, -' nomatch'.length).trimEnd());
    return r.ok ? { ok: true, value: `${r.value} nomatch` } : r;
  }
  const comma = text.indexOf(',');
  const hasPort = type === 'hash:ip,port' || type === 'hash:net,port';
  if (!hasPort && comma >= 0) return syntaxError(`Syntax error: Elem separator in ${text}, but settype ${type} supports none.`, comma + 1);
  if (hasPort && comma < 0) return syntaxError(`Syntax error: Second element is missing from ${text}.`, 1);
  const addrText = comma < 0 ? text : text.slice(0, comma);
  const addr = parseAddrPart(type.startsWith('hash:net') ? 'net' : 'ip', addrText);
  if (!addr.ok) return addr;
  if (!hasPort) return addr;
  const port = parsePortPart(text.slice(comma + 1), comma + 2);
  return port.ok ? { ok: true, value: `${addr.value},${port.value}` } : port;
}

function parseAddrPart(kind: 'ip' | 'net', text: string): SyntaxResult<string> {
  const slash = text.indexOf('/');
  const addr = parseIpv4(slash < 0 ? text : text.slice(0, slash));
  if (addr === undefined) return syntaxError(`Syntax error: cannot parse ${slash < 0 ? text : text.slice(0, slash)}: resolving to IPv4 address failed`, 1);
  if (slash < 0) return { ok: true, value: formatIpv4(addr) };
  const len = parseUnsigned(text.slice(slash + 1), 255);
  if (len === undefined) return syntaxError(`Syntax error: '${text.slice(slash + 1)}' is invalid as number`, slash + 2);
  if (len > 32) return syntaxError(`Syntax error: '${len}' is out of range 0-32`, slash + 2);
  if (kind === 'net' && len === 0) return syntaxError('The value of the CIDR parameter of the IP address is invalid', slash + 2);
  if (kind === 'ip' && len < 16) {
    return syntaxError(`a hash:ip range of /${len} holds ${2 ** (32 - len)} addresses, more than maxelem ${MAX_ELEMENTS}`, slash + 2);
  }
  const network = formatIpv4(prefixNetwork({ addr, len }));
  return { ok: true, value: len === 32 ? network : `${network}/${len}` };
}

function parsePortPart(text: string, column: number): SyntaxResult<string> {
  const colon = text.indexOf(':');
  const proto = colon < 0 ? 'tcp' : text.slice(0, colon);
  const portText = colon < 0 ? text : text.slice(colon + 1);
  if (colon >= 0 && !/^[a-z0-9-]+$/i.test(proto)) return syntaxError(`Syntax error: cannot parse '${proto}' as a protocol`, column);
  if (proto !== 'tcp' && proto !== 'udp') {
    const known = ['sctp', 'udplite', 'icmp'].includes(proto);
    return syntaxError(known ? `protocol '${proto}' in a set is not modelled (tcp and udp are)` : `Syntax error: cannot parse '${proto}' as a protocol`, column);
  }
  const at = colon < 0 ? column : column + colon + 1;
  if (portText.includes('-')) return syntaxError(`port ranges in a set are not modelled: give each port ("${proto}:PORT")`, at);
  const port = parseUnsigned(portText, Number.MAX_SAFE_INTEGER);
  if (port === undefined) return syntaxError(`Syntax error: cannot parse '${portText}' as a ${proto} port (packetwalk takes port numbers)`, at);
  if (port > 65535) return syntaxError(`Syntax error: '${port}' is out of range 0-65535`, at);
  return { ok: true, value: `${proto}:${port}` };
}

/**
 * libxt_set: a `--match-set NAME` naming no set of the namespace fails the rule's parse with "Set NAME doesn't
 * exist." Lines iptables-restore already refused for another reason are left alone (`refused`).
 */
export function checkMatchSets(
  src: ScenarioSource,
  node: Node,
  rules: string,
  sets: ReadonlySet<string>,
  refused: ReadonlySet<number>,
  what: string,
): void {
  rules.split('\n').forEach((line, i) => {
    const lineNo = i + 1;
    if (refused.has(lineNo) || !/^\s*(-[AIR]|--append|--insert|--replace)\s/.test(line)) return;
    const words = splitWords(line, false);
    words.forEach((w, k) => {
      if (w.text !== '--match-set' || k + 1 >= words.length) return;
      const name = words[k + 1];
      if (sets.has(name.text)) return;
      src.errorInBlockLine(node, lineNo, name.col, `${what}: iptables-restore: line ${lineNo}: Set ${name.text} doesn't exist.${didYouMean(name.text, sets)}`);
    });
  });
}
