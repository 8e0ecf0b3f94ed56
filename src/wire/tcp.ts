// RFC 793 TCP header. Options are not modelled: emitted segments have data offset 5; parsed options are skipped.

import { IPPROTO_TCP, TCP_HLEN, type Ipv4Addr, type TcpFlags, type TcpHeader } from './headers.js';
import { WireError, checkUint } from './errors.js';
import { transportChecksum } from './checksum.js';

// The flags byte (offset 13), RFC 793 plus RFC 3168's ECE and CWR.
const FIN = 0x01;
const SYN = 0x02;
const RST = 0x04;
const PSH = 0x08;
const ACK = 0x10;
const URG = 0x20;
const ECE = 0x40;
const CWR = 0x80;

function view(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** The flags of the byte at offset 13. */
export function tcpFlagsFromByte(b: number): TcpFlags {
  return {
    fin: (b & FIN) !== 0,
    syn: (b & SYN) !== 0,
    rst: (b & RST) !== 0,
    psh: (b & PSH) !== 0,
    ack: (b & ACK) !== 0,
    urg: (b & URG) !== 0,
    ece: (b & ECE) !== 0,
    cwr: (b & CWR) !== 0,
  };
}

/** The byte at offset 13 for these flags. */
export function tcpFlagsToByte(f: TcpFlags): number {
  return (
    (f.fin ? FIN : 0) |
    (f.syn ? SYN : 0) |
    (f.rst ? RST : 0) |
    (f.psh ? PSH : 0) |
    (f.ack ? ACK : 0) |
    (f.urg ? URG : 0) |
    (f.ece ? ECE : 0) |
    (f.cwr ? CWR : 0)
  );
}

function readHeader(bytes: Uint8Array): TcpHeader {
  const v = view(bytes);
  return {
    sport: v.getUint16(0),
    dport: v.getUint16(2),
    seq: v.getUint32(4),
    ack: v.getUint32(8),
    flags: tcpFlagsFromByte(bytes[13]),
    window: v.getUint16(14),
    checksum: v.getUint16(16),
    urgent: v.getUint16(18),
  };
}

/** Splits a TCP segment into header and payload (after any options). Linux: tcp_v4_rcv() checks doff >= 5. */
export function parseTcp(bytes: Uint8Array): { header: TcpHeader; payload: Uint8Array } {
  if (bytes.length < TCP_HLEN) throw new WireError('tcp.length', `${bytes.length} bytes, need 20`);
  const doff = bytes[12] >>> 4;
  if (doff < 5) throw new WireError('tcp.dataOffset', `data offset ${doff} is below 5`);
  if (doff * 4 > bytes.length) {
    throw new WireError('tcp.dataOffset', `data offset ${doff} runs past the ${bytes.length} bytes given`);
  }
  return { header: readHeader(bytes), payload: bytes.subarray(doff * 4) };
}

/**
 * Reads as much of a TCP header as an ICMP error quote holds (RFC 792 promises only the first 8 bytes);
 * missing fields are 0. Returns the header length claimed by the data offset (20 when absent or invalid).
 */
export function parseTcpTruncated(bytes: Uint8Array): { header: TcpHeader; headerLength: number } {
  const padded = new Uint8Array(TCP_HLEN);
  padded.set(bytes.subarray(0, TCP_HLEN));
  const doff = padded[12] >>> 4;
  return { header: readHeader(padded), headerLength: doff >= 5 ? doff * 4 : TCP_HLEN };
}

/** Encodes a TCP segment; the checksum is computed under the IPv4 pseudo-header of `src` and `dst`. */
export function emitTcp(header: TcpHeader, payload: Uint8Array, src: Ipv4Addr, dst: Ipv4Addr): Uint8Array {
  checkUint('tcp.sport', header.sport, 0xffff);
  checkUint('tcp.dport', header.dport, 0xffff);
  checkUint('tcp.seq', header.seq, 0xffffffff);
  checkUint('tcp.ack', header.ack, 0xffffffff);
  checkUint('tcp.window', header.window, 0xffff);
  checkUint('tcp.urgent', header.urgent, 0xffff);
  const bytes = new Uint8Array(TCP_HLEN + payload.length);
  const v = view(bytes);
  v.setUint16(0, header.sport);
  v.setUint16(2, header.dport);
  v.setUint32(4, header.seq);
  v.setUint32(8, header.ack);
  v.setUint8(12, (TCP_HLEN / 4) << 4);
  v.setUint8(13, tcpFlagsToByte(header.flags));
  v.setUint16(14, header.window);
  v.setUint16(18, header.urgent);
  bytes.set(payload, TCP_HLEN);
  v.setUint16(16, transportChecksum(src, dst, IPPROTO_TCP, bytes));
  return bytes;
}
