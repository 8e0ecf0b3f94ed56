// Ethernet II framing (IEEE 802.3 with an EtherType). No 802.1Q tags, no FCS, no padding to 60 bytes: frames
// are as a packet socket on a veth sees them, which is also what pcapng captures hold.

import { BROADCAST_MAC, ETH_ALEN, ETH_HLEN, type EthernetHeader, type MacAddr } from './headers.js';
import { WireError, checkUint } from './errors.js';
import { parseMac } from './ipv4-addr.js';

const HEX: readonly string[] = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

function hexNibble(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x61 && c <= 0x66) return c - 0x61 + 10;
  if (c >= 0x41 && c <= 0x46) return c - 0x41 + 10;
  return -1;
}

/** Writes the six octets of `mac` at `offset`; throws a WireError naming `field` when it is not a MAC. */
export function writeMac(target: Uint8Array, offset: number, mac: MacAddr, field = 'mac'): void {
  if (parseMac(mac) === undefined) throw new WireError(field, `not a MAC address: ${JSON.stringify(mac)}`);
  for (let i = 0; i < ETH_ALEN; i++) {
    target[offset + i] = (hexNibble(mac.charCodeAt(i * 3)) << 4) | hexNibble(mac.charCodeAt(i * 3 + 1));
  }
}

/** The six octets of a MAC written as "aa:bb:cc:dd:ee:ff". */
export function macToBytes(mac: MacAddr): Uint8Array {
  const bytes = new Uint8Array(ETH_ALEN);
  writeMac(bytes, 0, mac);
  return bytes;
}

/** The lower-case text form of the six octets at `offset`. */
export function macFromBytes(bytes: Uint8Array, offset = 0): MacAddr {
  if (offset + ETH_ALEN > bytes.length) throw new WireError('mac', 'fewer than 6 bytes');
  let s = HEX[bytes[offset]];
  for (let i = 1; i < ETH_ALEN; i++) s += ':' + HEX[bytes[offset + i]];
  return s;
}

/** True for ff:ff:ff:ff:ff:ff (MacAddr is lower case by contract). Linux: is_broadcast_ether_addr(). */
export function isBroadcastMac(mac: MacAddr): boolean {
  return mac === BROADCAST_MAC;
}

/** True when the I/G bit (least significant bit of the first octet) is set; broadcast included. Linux: is_multicast_ether_addr(). */
export function isMulticastMac(mac: MacAddr): boolean {
  return (hexNibble(mac.charCodeAt(1)) & 1) === 1;
}

/** Splits an Ethernet II frame into its header and a view of its payload (trailing padding included). */
export function parseEthernet(bytes: Uint8Array): { header: EthernetHeader; payload: Uint8Array } {
  if (bytes.length < ETH_HLEN) throw new WireError('ethernet.length', `frame of ${bytes.length} bytes is shorter than 14`);
  const header: EthernetHeader = {
    dst: macFromBytes(bytes, 0),
    src: macFromBytes(bytes, 6),
    ethertype: (bytes[12] << 8) | bytes[13],
  };
  return { header, payload: bytes.subarray(ETH_HLEN) };
}

/** Encodes an Ethernet II header in front of `payload`. */
export function emitEthernet(header: EthernetHeader, payload: Uint8Array): Uint8Array {
  checkUint('ethernet.ethertype', header.ethertype, 0xffff);
  const bytes = new Uint8Array(ETH_HLEN + payload.length);
  writeMac(bytes, 0, header.dst, 'ethernet.dst');
  writeMac(bytes, 6, header.src, 'ethernet.src');
  bytes[12] = header.ethertype >>> 8;
  bytes[13] = header.ethertype & 0xff;
  bytes.set(payload, ETH_HLEN);
  return bytes;
}
