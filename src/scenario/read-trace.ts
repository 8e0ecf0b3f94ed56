// One entry of `traces`: a packet sent from a socket in a namespace, and what must become of it.

import type { Node, Scalar } from 'yaml';
import { isMap, isScalar } from 'yaml';
import type { Proto, TraceSpec } from './model.js';
import type { Endpoint } from './endpoint-syntax.js';
import { parseEndpoint } from './endpoint-syntax.js';
import type { SyntaxResult } from '../kernel/syntax-words.js';
import { parseDestination } from './endpoint-syntax.js';
import { SCENARIO_FIELDS } from './fields.js';
import { readExpect } from './read-expect.js';
import { nameOf } from './read-link.js';
import type { TraceDraft } from './topology-draft.js';
import { readBool, readEnum, readFields, readInt, readIpv4, readName, readString, withoutUndefined } from './yaml-fields.js';
import type { ScenarioSource } from './yaml-source.js';
import { tcpFlagsProblem } from '../sim/probe.js';

const PROTOS: readonly Proto[] = ['tcp', 'udp', 'icmp', 'sctp'];
/** The largest UDP payload in one IPv4 datagram: 65535 - 20 (IP) - 8 (UDP). */
const MAX_PAYLOAD = 65507;

/**
 * How a Cluster names its endpoints (`pod/NAME`, `node/NAME`, ...; src/cluster/endpoints.ts): `from` to a
 * namespace, `to` to an address. A Topology takes namespace names and IP[:PORT] as they are.
 */
export interface TraceEndpoints {
  from(text: string): SyntaxResult<string>;
  to(text: string): SyntaxResult<Endpoint>;
}

/** `flags: SA`: TCP flags as tcpdump letters, for tcp only. */
function readFlags(src: ScenarioSource, node: Node | undefined, what: string, proto: Proto | undefined): string | undefined {
  const text = readString(src, node, what);
  if (text === undefined || node === undefined) return undefined;
  if (proto !== undefined && proto !== 'tcp') {
    src.error(node, `${what}: flags are for tcp only (this trace is ${proto})`);
    return undefined;
  }
  const bad = tcpFlagsProblem(text);
  if (bad !== undefined) {
    src.errorInString(node, bad.column, `${what}: ${bad.message}`);
    return undefined;
  }
  return text;
}

/**
 * `place` names where an unnamed trace is written (default `traces[INDEX]`); `endpoints` resolves a Cluster's
 * endpoint names.
 */
export function readTrace(
  src: ScenarioSource,
  node: Node,
  index: number,
  opts: { place?: string; endpoints?: TraceEndpoints } = {},
): TraceDraft | undefined {
  const { place = `traces[${index}]`, endpoints } = opts;
  const label = nameOf(node);
  const what = label === undefined ? place : `trace "${label}"`;
  const fields = readFields(src, node, what, SCENARIO_FIELDS.trace, ['from', 'to']);
  if (fields === undefined) return undefined;
  const v = fields.values;
  const has = (f: string) => fields.keys.has(f);

  const name = has('name') ? readName(src, v.get('name'), `${what}: name`) : undefined;
  const fromText = has('from') ? readName(src, v.get('from'), `${what}: from`) : undefined;
  let from = fromText;
  if (from !== undefined && endpoints !== undefined) {
    const r = endpoints.from(from);
    if (!r.ok) src.errorInString(v.get('from')!, r.column, `${what}: from: ${r.error}`);
    from = r.ok ? r.value : undefined;
  }
  const proto = has('proto') ? readEnum(src, v.get('proto'), `${what}: proto`, PROTOS) : 'tcp';
  const toText = has('to') ? readString(src, v.get('to'), `${what}: to`) : undefined;
  const to = toText === undefined ? undefined : endpoints === undefined ? parseDestination(toText) : endpoints.to(toText);
  if (to !== undefined && !to.ok) src.errorInString(v.get('to')!, to.column, `${what}: to: ${to.error}`);
  const dst = to?.ok ? to.value : undefined;
  if (dst !== undefined && proto !== undefined) {
    // TCP and UDP need a destination port; ICMP echo has none.
    if (proto !== 'icmp' && dst.port === undefined) src.error(v.get('to'), `${what}: to: ${proto} needs a port (${'netns' in dst ? 'NAMESPACE' : 'IP'}:PORT)`);
    if (proto === 'icmp' && dst.port !== undefined) src.error(v.get('to'), `${what}: to: icmp has no ports; write the address alone`);
  }
  if (proto === 'icmp' && fields.keys.has('sport')) src.error(fields.keys.get('sport'), `${what}: "sport" is only for tcp, udp and sctp`);

  const optional: Partial<TraceSpec> = {};
  if (has('src')) optional.src = readIpv4(src, v.get('src'), `${what}: src`);
  if (has('sport')) optional.sport = readInt(src, v.get('sport'), `${what}: sport`, 1, 65535);
  if (has('ttl')) optional.ttl = readInt(src, v.get('ttl'), `${what}: ttl`, 1, 255);
  if (has('df')) optional.df = readBool(src, v.get('df'), `${what}: df`);
  if (has('size')) optional.size = readInt(src, v.get('size'), `${what}: size`, 0, MAX_PAYLOAD);
  if (has('mark')) optional.mark = readInt(src, v.get('mark'), `${what}: mark`, 0, 0xffffffff);
  if (has('flags')) optional.flags = readFlags(src, v.get('flags'), `${what}: flags`, proto);
  if (has('uid')) optional.uid = readInt(src, v.get('uid'), `${what}: uid`, 0, 0xfffffffe);
  const expect = has('expect') ? readExpect(src, v.get('expect'), `${what}: expect`) : undefined;

  if (from === undefined || proto === undefined || toText === undefined || dst === undefined) return undefined;
  // A namespace's address is known once every namespace is read (validate-topology.ts fills it in).
  const spec: TraceSpec = { name: name ?? `${fromText} -> ${toText}/${proto}`, from, dst: 'addr' in dst ? dst.addr : 0, proto };
  if (dst.port !== undefined && proto !== 'icmp') spec.dport = dst.port;
  const toName = 'addr' in dst ? (dst as Endpoint).name : undefined;
  if (toName !== undefined) spec.toName = toName;
  Object.assign(spec, withoutUndefined(optional));
  if (expect !== undefined) spec.expect = expect.spec;
  const draft: TraceDraft = { spec, fields, expect: expect?.draft };
  if ('netns' in dst) draft.toNetns = { spec: dst.netns, node: v.get('to')!, label: `${what}: to` };
  return draft;
}

/** The `name:` scalar of a trace map, if it is a string. */
export function givenTraceName(node: Node): Scalar | undefined {
  if (!isMap(node)) return undefined;
  const value = node.get('name', true);
  return isScalar(value) && typeof value.value === 'string' ? value : undefined;
}
