// RFC 7348 VXLAN: an 8-byte header (flags, 24 reserved bits, 24-bit VNI, 8 reserved bits) before an
// Ethernet frame, carried in UDP.

import { VXLAN_FLAGS_VNI, VXLAN_HLEN, type VxlanHeader } from './headers.js';
import { WireError, checkUint } from './errors.js';

function view(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/**
 * True when a UDP payload starts with a VXLAN header Linux would accept: flags exactly 0x08 (vxlan_rcv()
 * requires the I bit and, without GBP/GPE extensions, drops any other flag).
 */
export function looksLikeVxlan(payload: Uint8Array): boolean {
  return payload.length >= VXLAN_HLEN && payload[0] === VXLAN_FLAGS_VNI;
}

/** Splits a VXLAN payload into header and the inner Ethernet frame. */
export function parseVxlan(bytes: Uint8Array): { header: VxlanHeader; payload: Uint8Array } {
  if (bytes.length < VXLAN_HLEN) throw new WireError('vxlan.length', `${bytes.length} bytes, need 8`);
  const header: VxlanHeader = { flags: bytes[0], vni: view(bytes).getUint32(4) >>> 8 };
  return { header, payload: bytes.subarray(VXLAN_HLEN) };
}

/** Encodes a VXLAN header in front of an inner Ethernet frame. Linux: vxlan_build_skb(). */
export function emitVxlan(header: VxlanHeader, payload: Uint8Array): Uint8Array {
  checkUint('vxlan.flags', header.flags, 0xff);
  checkUint('vxlan.vni', header.vni, 0xffffff);
  const bytes = new Uint8Array(VXLAN_HLEN + payload.length);
  const v = view(bytes);
  v.setUint8(0, header.flags);
  v.setUint32(4, (header.vni << 8) >>> 0);
  bytes.set(payload, VXLAN_HLEN);
  return bytes;
}
