// wire/: bytes <-> typed headers. The public surface of the layer.

export * from './headers.js';
export { WireError } from './errors.js';
export {
  onesComplementSum,
  foldSum,
  finishChecksum,
  internetChecksum,
  pseudoHeaderSum,
  transportChecksum,
  transportChecksumValid,
  checksumReplace16,
  checksumReplace32,
} from './checksum.js';
export {
  parseIpv4,
  formatIpv4,
  parsePrefix,
  formatPrefix,
  prefixMask,
  prefixNetwork,
  inPrefix,
  parseMac,
} from './ipv4-addr.js';
export {
  parseEthernet,
  emitEthernet,
  macToBytes,
  macFromBytes,
  writeMac,
  isBroadcastMac,
  isMulticastMac,
} from './ethernet.js';
export { parseArp, emitArp } from './arp.js';
export { parseIpv4Datagram, parseIpv4Truncated, emitIpv4Datagram } from './ipv4.js';
export {
  parseIcmp,
  parseIcmpTruncated,
  emitIcmp,
  icmpChecksumValid,
  isIcmpError,
  icmpEchoRest,
  icmpEchoId,
  icmpEchoSeq,
  icmpFragNeededRest,
  icmpNextHopMtu,
} from './icmp.js';
export { parseTcp, parseTcpTruncated, emitTcp, tcpFlagsFromByte, tcpFlagsToByte } from './tcp.js';
export { parseUdp, parseUdpTruncated, emitUdp, udpChecksumValid } from './udp.js';
export { crc32c, emitSctp, parseSctp, parseSctpTruncated, sctpChecksumValid, sctpLength } from './sctp.js';
export { parseVxlan, emitVxlan, looksLikeVxlan } from './vxlan.js';
export { writePcapng, LINKTYPE_ETHERNET, type PcapngPacket, type PcapngOptions } from './pcapng.js';
