// One entry of a namespace's `links`: what `ip link add`, `ip addr add`, `ip link set` and
// `bridge link set` would be told about the device. Cross-device checks (peer, master) come later.

import { isMulticastMac } from '../wire/ethernet.js';
import type { Node } from 'yaml';
import { isMap, isScalar } from 'yaml';
import type { AddrSpec, LinkSpec, LinkType, Prefix, VxlanSpec } from '../kernel/netns/world-spec.js';
import { inPrefix, parseMac, parsePrefix } from '../wire/ipv4-addr.js';
import { isValidIfname, splitWords } from '../kernel/syntax-words.js';
import { SCENARIO_FIELDS, VXLAN_DEFAULT_DSTPORT, VXLAN_FIELDS } from './fields.js';
import type { LinkDraft } from './topology-draft.js';
import type { Fields } from './yaml-fields.js';
import { readBool, readEnum, readFields, readIfname, readInt, readIpv4, readList, readString } from './yaml-fields.js';
import type { ScenarioSource } from './yaml-source.js';

const LINK_TYPES: readonly LinkType[] = ['veth', 'bridge', 'vxlan', 'dummy', 'external', 'loopback'];
/** What `lo` may be told: `ip addr add ... dev lo`, `ip link set lo mtu N` and up. */
const LOOPBACK_FIELDS: readonly string[] = ['name', 'type', 'addresses', 'mtu', 'up'];
/** 127.0.0.0/8, which lo holds in every namespace. */
export const LOOPBACK: Prefix = { addr: 0x7f000000, len: 8 };
/** br_set_ageing_time() takes clock_t (centiseconds) in a u32. */
const MAX_AGEING_SECONDS = Math.floor(0xffffffff / 100);

/** Reads a link of namespace `netns` (whose name a same-namespace `peer: DEV` refers to). */
export function readLink(src: ScenarioSource, node: Node, where: string, netns: string): LinkDraft | undefined {
  const label = nameOf(node);
  const what = label === undefined ? `link ${where}` : `link "${label}"`;
  const fields = readFields(src, node, what, SCENARIO_FIELDS.link, ['name', 'type']);
  if (fields === undefined) return undefined;
  const v = fields.values;
  const name = fields.keys.has('name') ? readIfname(src, v.get('name'), `${what}: name`) : undefined;
  const type = fields.keys.has('type') ? readEnum(src, v.get('type'), `${what}: type`, LINK_TYPES) : undefined;
  if (name === undefined || type === undefined) {
    readOptional(src, fields, what, type);
    return undefined;
  }
  if (name === 'lo' && type !== 'loopback') {
    src.error(v.get('type'), `${what}: lo is the namespace's loopback, which every namespace has (RTNETLINK answers: File exists): write "type: loopback" to give it addresses`);
  } else if (type === 'loopback' && name !== 'lo') {
    src.error(v.get('name'), `${what}: a namespace has one loopback, lo; no other loopback device can be made (ip link add ... type loopback: Error: Unknown device type.)`);
  }
  const { spec, addressNodes } = readOptional(src, fields, what, type);
  if (spec.peer !== undefined && spec.peer.netns === '') spec.peer.netns = netns;
  return { spec: { name, type, ...spec }, fields, addressNodes };
}

/** Reads the optional fields (even when name or type is bad, to report their problems too). */
function readOptional(src: ScenarioSource, fields: Fields, what: string, type: LinkType | undefined) {
  const v = fields.values;
  const spec: Omit<LinkSpec, 'name' | 'type'> = { addresses: [] };
  const addressNodes: Node[] = [];
  if (fields.keys.has('addresses')) {
    (readList(src, v.get('addresses'), `${what}: addresses`) ?? []).forEach((item, i) => {
      const addr = readAddress(src, item, `${what}: addresses[${i}]`);
      if (addr === undefined) return;
      spec.addresses.push(addr);
      addressNodes.push(item);
    });
  }
  if (fields.keys.has('peer')) {
    const peer = readPeer(src, v.get('peer'), `${what}: peer`);
    if (peer !== undefined) spec.peer = peer;
  }
  if (fields.keys.has('mac')) {
    const mac = readUnicastMac(src, v.get('mac'), `${what}: mac`);
    if (mac !== undefined) spec.mac = mac;
  }
  assign(spec, 'mtu', fields, (n) => readInt(src, n, `${what}: mtu`, 68, 65535));
  assign(spec, 'master', fields, (n) => readIfname(src, n, `${what}: master`));
  assign(spec, 'hairpin', fields, (n) => readBool(src, n, `${what}: hairpin`));
  assign(spec, 'up', fields, (n) => readBool(src, n, `${what}: up`));
  assign(spec, 'ageingTime', fields, (n) => readInt(src, n, `${what}: ageingTime`, 0, MAX_AGEING_SECONDS));
  if (type === 'vxlan') {
    const vxlan = readVxlan(src, fields, what);
    if (vxlan !== undefined) spec.vxlan = vxlan;
  } else {
    assign(spec, 'learning', fields, (n) => readBool(src, n, `${what}: learning`));
  }
  if (type === 'loopback') checkLoopbackFields(src, fields, what, spec, addressNodes);
  else if (type !== undefined) checkTypeFields(src, fields, what, type, spec);
  return { spec, addressNodes };
}

/**
 * lo takes addresses, an MTU and up only. The kernel refuses to enslave it (br_add_if(): IFF_LOOPBACK,
 * "Invalid argument"), it has no peer, and its MAC is all zeros. Taking it down is not modelled: a real lo that
 * is down has no 127.0.0.1 and delivers nothing locally.
 */
function checkLoopbackFields(src: ScenarioSource, fields: Fields, what: string, spec: Partial<LinkSpec>, addressNodes: Node[]): void {
  for (const [field, key] of fields.keys) {
    if (LOOPBACK_FIELDS.includes(field)) continue;
    delete spec[field as keyof LinkSpec];
    const why = field === 'master'
      ? 'lo cannot be a bridge port (RTNETLINK answers: Invalid argument)'
      : field === 'peer' ? 'lo has no peer: only a veth has one' : 'is not for lo, which takes only addresses, mtu and up';
    src.error(key, `${what}: "${field}": ${why}`);
  }
  if (spec.up === false) src.error(fields.values.get('up'), `${what}: up: false: a namespace whose lo is down is not modelled (lo is always up here, as \`net realize\` sets it)`);
  // inet_rtm_newaddr(): lo already has 127.0.0.1/8 once it is up.
  (spec.addresses ?? []).forEach((a, i) => {
    if (a.addr === 0x7f000001 && a.len === 8) src.error(addressNodes[i], `${what}: addresses[${i}]: 127.0.0.1/8 is lo's already (Error: ipv4: Address already assigned.)`);
  });
}

/** Fields that belong to another link type, or to bridge ports only. */
function checkTypeFields(src: ScenarioSource, fields: Fields, what: string, type: LinkType, spec: Partial<LinkSpec>): void {
  const misplaced = (field: string, why: string) => {
    const key = fields.keys.get(field);
    if (key !== undefined) src.error(key, `${what}: "${field}" ${why}`);
  };
  if (type !== 'vxlan') for (const f of VXLAN_FIELDS) misplaced(f, `is a vxlan field, but this link is a ${type}`);
  if (type !== 'veth') misplaced('peer', `is only for veth links, but this link is a ${type}`);
  if (type !== 'bridge') misplaced('ageingTime', `is only for bridges, but this link is a ${type}`);
  if (type === 'veth' && !fields.keys.has('peer')) src.error(fields.node, `${what}: a veth needs "peer: NETNS/DEV"`);
  // `bridge link set dev X hairpin on` fails on a device that is not a bridge port.
  if (spec.master === undefined) {
    misplaced('hairpin', 'is a bridge port flag: the link needs "master: BRIDGE"');
    if (type !== 'vxlan') misplaced('learning', 'is a bridge port flag: the link needs "master: BRIDGE"');
  }
}

function readVxlan(src: ScenarioSource, fields: Fields, what: string): VxlanSpec | undefined {
  const v = fields.values;
  if (!fields.keys.has('id')) {
    src.error(fields.node, `${what}: a vxlan needs "id" (the VNI)`);
    return undefined;
  }
  // The VNI is 24 bits (RFC 7348).
  const id = readInt(src, v.get('id'), `${what}: id`, 0, 0xffffff);
  const dstport = fields.keys.has('dstport') ? readInt(src, v.get('dstport'), `${what}: dstport`, 1, 65535) : VXLAN_DEFAULT_DSTPORT;
  const learning = fields.keys.has('learning') ? readBool(src, v.get('learning'), `${what}: learning`) : true;
  const vxlan: Partial<VxlanSpec> = {};
  assign(vxlan, 'local', fields, (n) => readIpv4(src, n, `${what}: local`));
  assign(vxlan, 'remote', fields, (n) => {
    const addr = readIpv4(src, n, `${what}: remote`);
    // A multicast remote is `group` in iproute2, which packetwalk does not model.
    if (addr !== undefined && addr >>> 28 === 0xe) {
      src.error(n, `${what}: remote must be a unicast address (multicast groups are not modelled)`);
      return undefined;
    }
    return addr;
  });
  assign(vxlan, 'dev', fields, (n) => readIfname(src, n, `${what}: dev`));
  if (id === undefined || dstport === undefined || learning === undefined) return undefined;
  return { id, dstport, learning, ...vxlan };
}

/** Sets `target[field]` from the field's node when the field is present and its value reads. */
function assign<T, K extends keyof T & string>(target: T, field: K, fields: Fields, read: (n: Node | undefined) => T[K] | undefined): void {
  if (!fields.keys.has(field)) return;
  const value = read(fields.values.get(field));
  if (value !== undefined) target[field] = value;
}

/** `ip addr add` form: "10.0.1.1/24", a bare address (a /32), optionally followed by "scope link|host|global". */
function readAddress(src: ScenarioSource, node: Node, what: string): AddrSpec | undefined {
  const text = readString(src, node, what);
  if (text === undefined) return undefined;
  const words = splitWords(text);
  const prefix = words.length > 0 ? parsePrefix(words[0].text) : undefined;
  if (prefix === undefined) {
    src.errorInString(node, words[0]?.column ?? 1, `${what}: "${text}" is not an address (expected ADDR/LEN, e.g. 10.0.1.1/24)`);
    return undefined;
  }
  if (prefix.addr === 0 || prefix.addr >>> 28 === 0xe || prefix.addr === 0xffffffff) {
    src.errorInString(node, words[0].column, `${what}: ${words[0].text} is not a unicast address for a device`);
    return undefined;
  }
  // inet_rtm_newaddr() gives loopback addresses host scope unless told otherwise.
  const spec: AddrSpec = { addr: prefix.addr, len: prefix.len, scope: inPrefix(prefix.addr, LOOPBACK) ? 'host' : 'global' };
  if (words.length === 1) return spec;
  const scope = words[2]?.text;
  if (words[1].text !== 'scope' || words.length !== 3 || (scope !== 'global' && scope !== 'link' && scope !== 'host')) {
    src.errorInString(node, words[1].column, `${what}: after the address only "scope global|link|host" may follow`);
    return undefined;
  }
  spec.scope = scope;
  return spec;
}

/** "NETNS/DEV", or "DEV" for a peer in the same namespace (device names cannot hold '/'). */
function readPeer(src: ScenarioSource, node: Node | undefined, what: string): LinkSpec['peer'] {
  const text = readString(src, node, what);
  if (text === undefined) return undefined;
  const slash = text.lastIndexOf('/');
  const netns = slash < 0 ? '' : text.slice(0, slash);
  const dev = text.slice(slash + 1);
  if ((slash >= 0 && netns === '') || !isValidIfname(dev)) {
    src.error(node, `${what}: "${text}" is not NETNS/DEV`);
    return undefined;
  }
  // An empty netns means "this namespace"; readLink() fills it in.
  return { netns, dev };
}

function readUnicastMac(src: ScenarioSource, node: Node | undefined, what: string): string | undefined {
  const text = readString(src, node, what);
  if (text === undefined) return undefined;
  const mac = parseMac(text);
  if (mac === undefined) {
    src.error(node, `${what}: "${text}" is not a MAC address (aa:bb:cc:dd:ee:ff)`);
    return undefined;
  }
  // Linux: is_valid_ether_addr(): a device address is neither multicast nor all zeros.
  if (isMulticastMac(mac) || mac === '00:00:00:00:00:00') {
    src.error(node, `${what}: ${mac} is not a unicast MAC (Cannot assign requested address)`);
    return undefined;
  }
  return mac;
}

/** The `name` written in a map, for messages, before the map is read properly. */
export function nameOf(node: Node): string | undefined {
  if (!isMap(node)) return undefined;
  const value = node.get('name', true);
  return isScalar(value) && typeof value.value === 'string' ? value.value : undefined;
}
