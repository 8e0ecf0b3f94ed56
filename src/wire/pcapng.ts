// A minimal pcapng writer (draft-ietf-opsawg-pcapng): one Section Header Block, one Interface Description
// Block per Ethernet interface (one by default), and one Enhanced Packet Block per frame, naming its interface. Little-endian; readers detect the byte order
// from the byte-order magic. Timestamps are in microseconds, the default if_tsresol (6), so no option is needed.

import { WireError } from './errors.js';

const BT_SHB = 0x0a0d0d0a;
const BT_IDB = 0x00000001;
const BT_EPB = 0x00000006;
const BYTE_ORDER_MAGIC = 0x1a2b3c4d;
export const LINKTYPE_ETHERNET = 1;

const OPT_ENDOFOPT = 0;
const OPT_COMMENT = 1;
const SHB_USERAPPL = 4;
const IF_NAME = 2;
const IF_DESCRIPTION = 3;

export interface PcapngPacket {
  /** Microseconds since the epoch of the caller's virtual clock. */
  timestampMicros: number | bigint;
  /** The Ethernet frame as captured. */
  data: Uint8Array;
  /** The frame's length on the wire when `data` is cut short; defaults to `data.length`. */
  originalLength?: number;
  /** Written as the EPB's opt_comment (Wireshark shows it as the packet comment). */
  comment?: string;
  /** Index into PcapngOptions.interfaces (0, the one interface, by default). */
  interfaceId?: number;
}

export interface PcapngOptions {
  /** if_name of the one interface, e.g. "node-a/eth0" (when `interfaces` is not given). */
  ifName?: string;
  /** Several interfaces, one IDB each in this order; a packet names its own by `interfaceId`. */
  interfaces?: readonly { name: string; description?: string }[];
  /** shb_userappl, e.g. "packetwalk 0.1.0". */
  application?: string;
  /** The IDB's snaplen; 0 (the default) means no limit. */
  snaplen?: number;
}

interface Option {
  code: number;
  value: Uint8Array;
}

function pad4(n: number): number {
  return (n + 3) & ~3;
}

function optionsLength(options: readonly Option[]): number {
  if (options.length === 0) return 0;
  let n = 4; // opt_endofopt
  for (const o of options) n += 4 + pad4(o.value.length);
  return n;
}

function writeOptions(v: DataView, bytes: Uint8Array, offset: number, options: readonly Option[]): number {
  if (options.length === 0) return offset;
  let at = offset;
  for (const o of options) {
    if (o.value.length > 0xffff) throw new WireError('pcapng.option', `option ${o.code} is longer than 65535 bytes`);
    v.setUint16(at, o.code, true);
    v.setUint16(at + 2, o.value.length, true);
    bytes.set(o.value, at + 4);
    at += 4 + pad4(o.value.length);
  }
  v.setUint16(at, OPT_ENDOFOPT, true);
  v.setUint16(at + 2, 0, true);
  return at + 4;
}

/** One block: type, total length, `fixed` bytes of body filled by the caller, padded data, options, length. */
function block(
  type: number,
  fixed: number,
  data: Uint8Array,
  options: readonly Option[],
  fill: (v: DataView, body: number) => void,
): Uint8Array {
  const total = 12 + fixed + pad4(data.length) + optionsLength(options);
  const bytes = new Uint8Array(total);
  const v = new DataView(bytes.buffer);
  v.setUint32(0, type, true);
  v.setUint32(4, total, true);
  fill(v, 8);
  bytes.set(data, 8 + fixed);
  writeOptions(v, bytes, 8 + fixed + pad4(data.length), options);
  v.setUint32(total - 4, total, true);
  return bytes;
}

function textOption(code: number, text: string | undefined): Option[] {
  return text === undefined ? [] : [{ code, value: new TextEncoder().encode(text) }];
}

function sectionHeader(options: PcapngOptions): Uint8Array {
  return block(BT_SHB, 16, new Uint8Array(0), textOption(SHB_USERAPPL, options.application), (v, at) => {
    v.setUint32(at, BYTE_ORDER_MAGIC, true);
    v.setUint16(at + 4, 1, true); // major version
    v.setUint16(at + 6, 0, true); // minor version
    v.setBigInt64(at + 8, -1n, true); // section length not specified
  });
}

function interfaceDescription(options: PcapngOptions, name: string | undefined, description?: string): Uint8Array {
  const snaplen = options.snaplen ?? 0;
  if (!Number.isInteger(snaplen) || snaplen < 0 || snaplen > 0xffffffff) {
    throw new WireError('pcapng.snaplen', `${snaplen} is not a 32-bit unsigned integer`);
  }
  const opts = [...textOption(IF_NAME, name), ...textOption(IF_DESCRIPTION, description)];
  return block(BT_IDB, 8, new Uint8Array(0), opts, (v, at) => {
    v.setUint16(at, LINKTYPE_ETHERNET, true);
    v.setUint16(at + 2, 0, true); // reserved
    v.setUint32(at + 4, snaplen, true);
  });
}

function timestamp(t: number | bigint): bigint {
  if (typeof t === 'number' && !Number.isSafeInteger(t)) {
    throw new WireError('pcapng.timestamp', `${t} is not an integer count of microseconds`);
  }
  const ts = BigInt(t);
  if (ts < 0n || ts > 0xffffffffffffffffn) throw new WireError('pcapng.timestamp', `${t} is outside 0..2^64-1`);
  return ts;
}

function enhancedPacket(p: PcapngPacket, interfaces: number): Uint8Array {
  const id = p.interfaceId ?? 0;
  if (!Number.isInteger(id) || id < 0 || id >= interfaces) {
    throw new WireError('pcapng.interfaceId', `interface ${id} is not one of the ${interfaces} described`);
  }
  const ts = timestamp(p.timestampMicros);
  const originalLength = p.originalLength ?? p.data.length;
  if (!Number.isInteger(originalLength) || originalLength < p.data.length || originalLength > 0xffffffff) {
    throw new WireError('pcapng.originalLength', `${originalLength} is below the ${p.data.length} bytes captured`);
  }
  return block(BT_EPB, 20, p.data, textOption(OPT_COMMENT, p.comment), (v, at) => {
    v.setUint32(at, id, true); // interface id: the IDB's index in the section
    v.setUint32(at + 4, Number(ts >> 32n), true);
    v.setUint32(at + 8, Number(ts & 0xffffffffn), true);
    v.setUint32(at + 12, p.data.length, true);
    v.setUint32(at + 16, originalLength, true);
  });
}

/** A whole pcapng file holding `packets`, in the order given, on one Ethernet interface or on several. */
export function writePcapng(packets: readonly PcapngPacket[], options: PcapngOptions = {}): Uint8Array {
  const idbs = options.interfaces
    ? options.interfaces.map((i) => interfaceDescription(options, i.name, i.description))
    : [interfaceDescription(options, options.ifName)];
  const blocks = [sectionHeader(options), ...idbs, ...packets.map((p) => enhancedPacket(p, idbs.length))];
  const out = new Uint8Array(blocks.reduce((n, b) => n + b.length, 0));
  let at = 0;
  for (const b of blocks) {
    out.set(b, at);
    at += b.length;
  }
  return out;
}
