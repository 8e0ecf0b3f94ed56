// A trace's `expect`: what its outcome must show. Names come from the Trace model (DISPOSITIONS,
// DROP_REASONS), so a typo is caught when the file is loaded, not when a trace fails to match.

import type { Node } from 'yaml';
import type { ExpectSpec } from './model.js';
import { DISPOSITIONS, DROP_REASONS } from '../trace/model.js';
import { parseEndpoint } from './endpoint-syntax.js';
import { REPLY_EXPECT_FIELDS, SCENARIO_FIELDS } from './fields.js';
import type { ExpectDraft } from './topology-draft.js';
import { readEnum, readFields, readInt, readName, readString, readStringList, withoutUndefined } from './yaml-fields.js';
import type { DnsExpect } from './model.js';
import { parseIpv4 } from '../wire/ipv4-addr.js';

/** getaddrinfo's outcomes as res_search reports them (src/dns/search-lookup.ts). */
export const DNS_RESULTS = ['found', 'HOST_NOT_FOUND', 'NO_DATA', 'TRY_AGAIN', 'NO_RECOVERY'] as const;

/** `expect: dns:` of a trace whose destination is a name. */
function readDnsExpect(src: ScenarioSource, node: Node | undefined, what: string): DnsExpect | undefined {
  const f = readFields(src, node, what, SCENARIO_FIELDS.dnsExpect);
  if (f === undefined) return undefined;
  const v = f.values;
  const out: DnsExpect = {};
  if (f.keys.has('result')) out.result = readEnum(src, v.get('result'), `${what}: result`, DNS_RESULTS);
  if (f.keys.has('answeredName')) out.answeredName = readString(src, v.get('answeredName'), `${what}: answeredName`);
  if (f.keys.has('address')) {
    out.address = readString(src, v.get('address'), `${what}: address`);
    if (out.address !== undefined && parseIpv4(out.address) === undefined) {
      src.error(v.get('address'), `${what}: address: "${out.address}" is not an IPv4 address`);
      out.address = undefined;
    }
  }
  if (f.keys.has('queries')) out.queries = readInt(src, v.get('queries'), `${what}: queries`, 1, 1000);
  if (f.keys.has('rules')) out.rules = readStringList(src, v.get('rules'), `${what}: rules`).map((s) => s.text);
  if (f.keys.has('cache')) out.cache = readEnum(src, v.get('cache'), `${what}: cache`, ['hit', 'miss'] as const);
  if (f.keys.has('answeredBy')) out.answeredBy = readStringList(src, v.get('answeredBy'), `${what}: answeredBy`).map((s) => s.text);
  return withoutUndefined(out);
}
import type { ScenarioSource } from './yaml-source.js';

export function readExpect(
  src: ScenarioSource,
  node: Node | undefined,
  what: string,
  isReply = false,
): { spec: ExpectSpec; draft: ExpectDraft } | undefined {
  const fields = readFields(src, node, what, isReply ? REPLY_EXPECT_FIELDS : SCENARIO_FIELDS.expect);
  if (fields === undefined) return undefined;
  const v = fields.values;
  const spec: ExpectSpec = {};
  const draft: ExpectDraft = { fields };
  const has = (f: string) => fields.keys.has(f);

  if (has('disposition')) spec.disposition = readEnum(src, v.get('disposition'), `${what}: disposition`, DISPOSITIONS);
  if (has('reason')) spec.reason = readEnum(src, v.get('reason'), `${what}: reason`, DROP_REASONS);
  if (has('deliveredTo')) {
    const d = readFields(src, v.get('deliveredTo'), `${what}: deliveredTo`, SCENARIO_FIELDS.deliveredTo);
    if (d !== undefined) {
      spec.deliveredTo = {};
      const netnsNode = d.values.get('netns');
      if (d.keys.has('netns')) spec.deliveredTo.netns = readName(src, netnsNode, `${what}: deliveredTo: netns`);
      if (spec.deliveredTo.netns !== undefined && netnsNode !== undefined) {
        draft.deliveredToNetns = { spec: spec.deliveredTo.netns, node: netnsNode, label: `${what}: deliveredTo` };
      }
      if (d.keys.has('addr')) spec.deliveredTo.addr = readEndpointText(src, d.values.get('addr'), `${what}: deliveredTo: addr`);
    }
  }
  if (has('peerSeen')) spec.peerSeen = readEndpointText(src, v.get('peerSeen'), `${what}: peerSeen`);
  if (has('via')) spec.via = readStringList(src, v.get('via'), `${what}: via`).map((s) => s.text);
  if (has('icmp')) {
    const i = readFields(src, v.get('icmp'), `${what}: icmp`, SCENARIO_FIELDS.icmp);
    if (i !== undefined) {
      spec.icmp = {};
      if (i.keys.has('type')) spec.icmp.type = readName(src, i.values.get('type'), `${what}: icmp: type`);
      if (i.keys.has('from')) spec.icmp.from = readName(src, i.values.get('from'), `${what}: icmp: from`);
    }
  }
  if (has('rules')) spec.rules = readStringList(src, v.get('rules'), `${what}: rules`).map((s) => s.text);
  if (has('branches')) {
    const list = readStringList(src, v.get('branches'), `${what}: branches`);
    spec.branches = list.map((s) => s.text);
    for (const s of list) {
      const ep = parseEndpoint(s.text);
      if (!ep.ok) src.errorInString(s.node, ep.column, `${what}: branches: ${ep.error}`);
    }
  }
  if (has('dns')) spec.dns = readDnsExpect(src, v.get('dns'), `${what}: dns`);
  if (has('reply')) {
    const reply = readExpect(src, v.get('reply'), `${what}: reply`, true);
    if (reply !== undefined) {
      spec.reply = reply.spec;
      draft.reply = reply.draft;
    }
  }
  // Only a delivered packet has a receiving socket to name.
  if (spec.disposition !== undefined && spec.disposition !== 'DELIVERED') {
    for (const f of ['deliveredTo', 'peerSeen']) {
      const key = fields.keys.get(f);
      if (key !== undefined) src.error(key, `${what}: "${f}" only applies to disposition DELIVERED, not ${spec.disposition}`);
    }
  }
  return { spec: withoutUndefined(spec), draft };
}

/** "IP" or "IP:PORT", kept as written; errors point inside the string. */
export function readEndpointText(src: ScenarioSource, node: Node | undefined, what: string): string | undefined {
  const text = readString(src, node, what);
  if (text === undefined) return undefined;
  const ep = parseEndpoint(text);
  if (ep.ok) return text;
  src.errorInString(node!, ep.column, `${what}: ${ep.error}`);
  return undefined;
}
