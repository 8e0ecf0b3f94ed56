// One entry of `namespaces`: its devices, and its routes, rules, neighbours and fdb entries in the syntax
// of the Linux tool that would add them, each line parsed by that tool's parser.

import { restore } from '../kernel/netfilter/index.js';
import type { Node } from 'yaml';
import { isMap } from 'yaml';
import { parseFdb } from '../kernel/link/fdb-syntax.js';
import { parseNeigh } from '../kernel/neigh/neigh-syntax.js';
import { formatSysctlRanges, isSysctlValueAllowed, knownSysctlNames, sysctlDef } from '../kernel/netns/sysctl-names.js';
import { isLinuxNetSysctl, linuxNetSysctlNames, netSysctlDevice } from '../kernel/netns/linux-sysctl-names.js';
import { parseRoute } from '../kernel/route/route-syntax.js';
import { parseRule } from '../kernel/route/rule-syntax.js';
import type { SyntaxResult } from '../kernel/syntax-words.js';
import { didYouMean, wordAfter } from '../kernel/syntax-words.js';
import { parseListen } from './endpoint-syntax.js';
import { SCENARIO_FIELDS } from './fields.js';
import { readConntrack } from './read-conntrack.js';
import { checkMatchSets, readIpsets } from './read-ipsets.js';
import { nameOf, readLink } from './read-link.js';
import type { LinkDraft, Located, NetnsDraft } from './topology-draft.js';
import type { Fields } from './yaml-fields.js';
import { describeNode, readFields, readInt, readList, readName, readString, readStringList } from './yaml-fields.js';
import type { ScenarioSource } from './yaml-source.js';

export function readNamespace(src: ScenarioSource, node: Node, index: number): NetnsDraft | undefined {
  const label = nameOf(node);
  const what = label === undefined ? `namespaces[${index}]` : `namespace "${label}"`;
  const fields = readFields(src, node, what, SCENARIO_FIELDS.namespace, ['name']);
  if (fields === undefined) return undefined;
  const v = fields.values;
  const name = fields.keys.has('name') ? readNetnsName(src, v.get('name'), `${what}: name`) : undefined;

  const links: LinkDraft[] = [];
  if (fields.keys.has('links')) {
    (readList(src, v.get('links'), `${what}: links`) ?? []).forEach((item, i) => {
      const link = readLink(src, item, `${what}: links[${i}]`, name ?? '');
      if (link !== undefined) links.push(link);
    });
  }
  const ports = new Set(links.filter((l) => l.spec.master !== undefined).map((l) => l.spec.name));
  const draft: NetnsDraft = {
    name: name ?? '',
    fields,
    sysctls: {},
    sysctlKeys: new Map(),
    links,
    routes: readLines(src, fields, 'routes', what, parseRoute),
    rules: readLines(src, fields, 'rules', what, parseRule),
    neigh: readLines(src, fields, 'neigh', what, parseNeigh),
    // Whether `dev` is a bridge port decides which table an entry without self/master goes to.
    fdb: readLines(src, fields, 'fdb', what, (text) => parseFdb(text, { bridgePort: ports.has(wordAfter(text, ['dev'])?.text ?? '') })),
    listen: readLines(src, fields, 'listen', what, parseListen),
  };
  if (fields.keys.has('sysctls')) readSysctls(src, v.get('sysctls'), what, draft, links.map((l) => l.spec.name));
  // ipsets before iptables: `ipset create` must have run for iptables-restore to take `--match-set`.
  if (fields.keys.has('ipsets')) draft.ipsets = readIpsets(src, v.get('ipsets'), what);
  if (fields.keys.has('iptables')) {
    const node = v.get('iptables');
    const rules = readString(src, node, `${what}: iptables`);
    if (rules !== undefined && node !== undefined) {
      draft.iptables = rules;
      // What iptables-restore would refuse, refused here, at its line in the file.
      const errors = restore(rules).errors;
      for (const e of errors) src.errorInBlockLine(node, e.line, e.column ?? 1, `${what}: iptables-restore: line ${e.line}: ${e.message}`);
      const sets = new Set((draft.ipsets ?? []).map((s) => s.spec.name));
      checkMatchSets(src, node, rules, sets, new Set(errors.map((e) => e.line)), what);
    }
  }
  if (fields.keys.has('conntrack')) draft.conntrack = readConntrack(src, v.get('conntrack'), what);
  return name === undefined ? undefined : draft;
}

/** `ip netns add` refuses names holding '/' and the names "." and ".." (netns_add(), is_valid_netns_name()). */
function readNetnsName(src: ScenarioSource, node: Node | undefined, what: string): string | undefined {
  const name = readName(src, node, what);
  if (name === undefined) return undefined;
  if (name === '.' || name === '..' || /[/\s]/.test(name)) {
    src.error(node, `${what}: "${name}" is not a valid namespace name (no '/' or blanks, not "." or "..")`);
    return undefined;
  }
  return name;
}

/** Each string of a list field through a Linux-syntax parser; errors point at the bad word inside the string. */
function readLines<T>(
  src: ScenarioSource,
  fields: Fields,
  field: string,
  what: string,
  parse: (text: string) => SyntaxResult<T>,
): Located<T>[] {
  if (!fields.keys.has(field)) return [];
  const out: Located<T>[] = [];
  readStringList(src, fields.values.get(field), `${what}: ${field}`).forEach(({ text, node }, i) => {
    const r = parse(text);
    const label = `${what}: ${field}[${i}]`;
    if (r.ok) out.push({ spec: r.value, node, label });
    else src.errorInString(node, r.column, `${label}: ${r.error}`);
  });
  return out;
}

/** `sysctls: {net.ipv4.ip_forward: 1}`: modelled names, values the kernel would take. */
function readSysctls(src: ScenarioSource, node: Node | undefined, what: string, draft: NetnsDraft, devices: string[]): void {
  if (!isMap(node)) {
    src.error(node, `${what}: sysctls: expected a map of name: value, got ${describeNode(node)}`);
    return;
  }
  for (const pair of node.items) {
    const keyNode = pair.key as Node;
    const key = readString(src, keyNode, `${what}: sysctls`);
    if (key === undefined) continue;
    const def = sysctlDef(key);
    if (def === undefined) {
      unmodelledSysctl(src, keyNode, key, what, devices);
      continue;
    }
    const valueNode = src.resolve(pair.value as Node | null);
    const value = readInt(src, valueNode, `${what}: ${key}`, -Infinity, Infinity);
    if (value === undefined) continue;
    if (!isSysctlValueAllowed(key, value)) {
      src.error(valueNode, `${what}: ${key} = ${value} is out of range (${formatSysctlRanges(def)})`);
      continue;
    }
    draft.sysctls[key] = value;
    draft.sysctlKeys.set(key, keyNode);
  }
}

/**
 * A sysctl packetwalk does not model. One that Linux has (a real node's `sysctl -a` pasted) is accepted with
 * a warning, since nothing the emulator does depends on it; a net.* name Linux does not have is an error with
 * a suggestion, and so is a name outside net.*, which no network namespace holds.
 */
function unmodelledSysctl(src: ScenarioSource, keyNode: Node, key: string, what: string, devices: readonly string[]): void {
  if (!key.startsWith('net.')) {
    src.error(keyNode, `${what}: sysctl "${key}" is not a network namespace's: only net.* settings are per namespace`);
    return;
  }
  const scopes = ['all', 'default', 'lo', ...devices];
  if (!isLinuxNetSysctl(key)) {
    src.error(keyNode, `${what}: unknown sysctl "${key}"${didYouMean(key, [...knownSysctlNames(devices), ...linuxNetSysctlNames(scopes)])}`);
    return;
  }
  const dev = netSysctlDevice(key);
  if (dev !== undefined && !scopes.includes(dev)) {
    src.error(keyNode, `${what}: sysctl ${key}: no device "${dev}"${didYouMean(dev, scopes)}`);
    return;
  }
  src.warn(keyNode, `${what}: sysctl ${key} is real but not modelled: accepted, and it changes nothing in the emulator`);
}
