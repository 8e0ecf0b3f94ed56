// One entry of `traces`: a packet sent from a socket in a namespace, and what must become of it.

import type { Node } from 'yaml';
import type { Proto, TraceSpec } from './model.js';
import { parseEndpoint } from './endpoint-syntax.js';
import { SCENARIO_FIELDS } from './fields.js';
import { readExpect } from './read-expect.js';
import { nameOf } from './read-link.js';
import type { TraceDraft } from './topology-draft.js';
import { readBool, readEnum, readFields, readInt, readIpv4, readName, readString, withoutUndefined } from './yaml-fields.js';
import type { ScenarioSource } from './yaml-source.js';

const PROTOS: readonly Proto[] = ['tcp', 'udp', 'icmp'];
/** The largest UDP payload in one IPv4 datagram: 65535 - 20 (IP) - 8 (UDP). */
const MAX_PAYLOAD = 65507;

export function readTrace(src: ScenarioSource, node: Node, index: number): TraceDraft | undefined {
  const label = nameOf(node);
  const what = label === undefined ? `traces[${index}]` : `trace "${label}"`;
  const fields = readFields(src, node, what, SCENARIO_FIELDS.trace, ['from', 'to']);
  if (fields === undefined) return undefined;
  const v = fields.values;
  const has = (f: string) => fields.keys.has(f);

  const name = has('name') ? readName(src, v.get('name'), `${what}: name`) : undefined;
  const from = has('from') ? readName(src, v.get('from'), `${what}: from`) : undefined;
  const proto = has('proto') ? readEnum(src, v.get('proto'), `${what}: proto`, PROTOS) : 'tcp';
  const toText = has('to') ? readString(src, v.get('to'), `${what}: to`) : undefined;
  const to = toText === undefined ? undefined : parseEndpoint(toText);
  if (to !== undefined && !to.ok) src.errorInString(v.get('to')!, to.column, `${what}: to: ${to.error}`);
  const dst = to?.ok ? to.value : undefined;
  if (dst !== undefined && proto !== undefined) {
    // TCP and UDP need a destination port; ICMP echo has none.
    if (proto !== 'icmp' && dst.port === undefined) src.error(v.get('to'), `${what}: to: ${proto} needs a port (IP:PORT)`);
    if (proto === 'icmp' && dst.port !== undefined) src.error(v.get('to'), `${what}: to: icmp has no ports; write the address alone`);
  }
  if (proto === 'icmp' && fields.keys.has('sport')) src.error(fields.keys.get('sport'), `${what}: "sport" is only for tcp and udp`);

  const optional: Partial<TraceSpec> = {};
  if (has('src')) optional.src = readIpv4(src, v.get('src'), `${what}: src`);
  if (has('sport')) optional.sport = readInt(src, v.get('sport'), `${what}: sport`, 1, 65535);
  if (has('ttl')) optional.ttl = readInt(src, v.get('ttl'), `${what}: ttl`, 1, 255);
  if (has('df')) optional.df = readBool(src, v.get('df'), `${what}: df`);
  if (has('size')) optional.size = readInt(src, v.get('size'), `${what}: size`, 0, MAX_PAYLOAD);
  if (has('mark')) optional.mark = readInt(src, v.get('mark'), `${what}: mark`, 0, 0xffffffff);
  if (has('uid')) optional.uid = readInt(src, v.get('uid'), `${what}: uid`, 0, 0xfffffffe);
  const expect = has('expect') ? readExpect(src, v.get('expect'), `${what}: expect`) : undefined;

  if (from === undefined || proto === undefined || toText === undefined || dst === undefined) return undefined;
  const spec: TraceSpec = { name: name ?? `${from} -> ${toText}/${proto}`, from, dst: dst.addr, proto };
  if (dst.port !== undefined && proto !== 'icmp') spec.dport = dst.port;
  Object.assign(spec, withoutUndefined(optional));
  if (expect !== undefined) spec.expect = expect.spec;
  return { spec, fields, expect: expect?.draft };
}
