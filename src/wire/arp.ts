// RFC 826 ARP for Ethernet and IPv4, the only kind Linux's arp_rcv() accepts on an Ethernet device here.

import { ARPHRD_ETHER, ARP_PLEN, ETH_ALEN, ETH_P_IP, type ArpPacket } from './headers.js';
import { WireError, checkUint } from './errors.js';
import { macFromBytes, writeMac } from './ethernet.js';

function view(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/**
 * Parses an Ethernet/IPv4 ARP packet; trailing bytes (Ethernet padding) are ignored. Linux: arp_rcv() drops
 * anything else (htype 1, ptype 0x0800, hlen 6, plen 4 are checked here and named on failure).
 */
export function parseArp(bytes: Uint8Array): ArpPacket {
  if (bytes.length < ARP_PLEN) throw new WireError('arp.length', `${bytes.length} bytes, need 28`);
  const htype = (bytes[0] << 8) | bytes[1];
  if (htype !== ARPHRD_ETHER) throw new WireError('arp.htype', `hardware type ${htype}, expected 1 (Ethernet)`);
  const ptype = (bytes[2] << 8) | bytes[3];
  if (ptype !== ETH_P_IP) throw new WireError('arp.ptype', `protocol type 0x${ptype.toString(16)}, expected 0x800`);
  if (bytes[4] !== ETH_ALEN) throw new WireError('arp.hlen', `hardware length ${bytes[4]}, expected 6`);
  if (bytes[5] !== 4) throw new WireError('arp.plen', `protocol length ${bytes[5]}, expected 4`);
  const v = view(bytes);
  return {
    op: v.getUint16(6),
    sha: macFromBytes(bytes, 8),
    spa: v.getUint32(14),
    tha: macFromBytes(bytes, 18),
    tpa: v.getUint32(24),
  };
}

/** Encodes an Ethernet/IPv4 ARP packet (28 bytes). */
export function emitArp(arp: ArpPacket): Uint8Array {
  checkUint('arp.op', arp.op, 0xffff);
  checkUint('arp.spa', arp.spa, 0xffffffff);
  checkUint('arp.tpa', arp.tpa, 0xffffffff);
  const bytes = new Uint8Array(ARP_PLEN);
  const v = view(bytes);
  v.setUint16(0, ARPHRD_ETHER);
  v.setUint16(2, ETH_P_IP);
  v.setUint8(4, ETH_ALEN);
  v.setUint8(5, 4);
  v.setUint16(6, arp.op);
  writeMac(bytes, 8, arp.sha, 'arp.sha');
  v.setUint32(14, arp.spa);
  writeMac(bytes, 18, arp.tha, 'arp.tha');
  v.setUint32(24, arp.tpa);
  return bytes;
}
