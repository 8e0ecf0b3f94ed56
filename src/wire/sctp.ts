// RFC 9260 SCTP: the common header and one chunk. The checksum is CRC32c over the whole packet with the
// checksum field zero (§6.8, Appendix A); unlike TCP and UDP there is no pseudo-header.

import { SCTP_HLEN, type SctpHeader } from './headers.js';
import { WireError, checkUint } from './errors.js';

/** CRC32c (Castagnoli, reflected polynomial 0x82f63b78), the table built once. */
const CRC32C_TABLE: Uint32Array = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

/** RFC 9260 Appendix A / RFC 3309: CRC32c of `bytes`. */
export function crc32c(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of bytes) c = CRC32C_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function view(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** The CRC32c sits in the packet in little-endian byte order (sctp_compute_cksum() stores it as computed). */
function packetChecksum(bytes: Uint8Array): number {
  const copy = bytes.slice();
  copy.fill(0, 8, 12);
  return crc32c(copy);
}

function readHeader(bytes: Uint8Array): SctpHeader {
  const v = view(bytes);
  return { sport: v.getUint16(0), dport: v.getUint16(2), vtag: v.getUint32(4), checksum: v.getUint32(8, true), chunk: bytes[12] };
}

/** Splits an SCTP packet into header (with its first chunk's type) and that chunk's value. */
export function parseSctp(bytes: Uint8Array): { header: SctpHeader; value: Uint8Array } {
  if (bytes.length < SCTP_HLEN) throw new WireError('sctp.length', `${bytes.length} bytes, need ${SCTP_HLEN}`);
  const header = readHeader(bytes);
  const chunkLength = view(bytes).getUint16(14);
  if (chunkLength < 4 || 12 + chunkLength > bytes.length) {
    throw new WireError('sctp.chunk.length', `chunk length ${chunkLength} is outside 4..${bytes.length - 12}`);
  }
  return { header, value: bytes.subarray(SCTP_HLEN, 12 + chunkLength) };
}

/** Reads as much of an SCTP header as an ICMP error quote holds (the 8 bytes it must); missing fields are 0. */
export function parseSctpTruncated(bytes: Uint8Array): SctpHeader {
  const padded = new Uint8Array(SCTP_HLEN);
  padded.set(bytes.subarray(0, SCTP_HLEN));
  return readHeader(padded);
}

/** Encodes an SCTP packet of one chunk (flags 0), padded to 4 bytes (§3.2); the CRC32c is computed. */
export function emitSctp(header: SctpHeader, value: Uint8Array): Uint8Array {
  checkUint('sctp.sport', header.sport, 0xffff);
  checkUint('sctp.dport', header.dport, 0xffff);
  checkUint('sctp.vtag', header.vtag, 0xffffffff);
  checkUint('sctp.chunk', header.chunk, 0xff);
  const chunkLength = 4 + value.length;
  if (chunkLength > 0xffff) throw new WireError('sctp.chunk.length', `${chunkLength} bytes exceed 65535`);
  const bytes = new Uint8Array(12 + ((chunkLength + 3) & ~3));
  const v = view(bytes);
  v.setUint16(0, header.sport);
  v.setUint16(2, header.dport);
  v.setUint32(4, header.vtag >>> 0);
  bytes[12] = header.chunk;
  v.setUint16(14, chunkLength);
  bytes.set(value, SCTP_HLEN);
  v.setUint32(8, packetChecksum(bytes), true);
  return bytes;
}

/** Linux: sctp_rcv_checksum(): the CRC32c verifies. */
export function sctpChecksumValid(bytes: Uint8Array): boolean {
  return bytes.length >= 12 && view(bytes).getUint32(8, true) === packetChecksum(bytes);
}

/** The bytes an SCTP packet carrying `valueLength` chunk value bytes takes (common header, chunk, padding). */
export function sctpLength(valueLength: number): number {
  return 12 + ((4 + valueLength + 3) & ~3);
}
