// Typed headers: the data path moves these, bytes appear only at the edges (codecs, checksums, pcapng).
// Addresses: IPv4 as an unsigned 32-bit number, MAC as lower-case "aa:bb:cc:dd:ee:ff".

export type Ipv4Addr = number;
export type MacAddr = string;

export const ETH_P_IP = 0x0800;
export const ETH_P_ARP = 0x0806;

export const IPPROTO_ICMP = 1;
export const IPPROTO_TCP = 6;
export const IPPROTO_UDP = 17;
export const IPPROTO_SCTP = 132;

export interface EthernetHeader {
  dst: MacAddr;
  src: MacAddr;
  ethertype: number;
}

export const ARPOP_REQUEST = 1;
export const ARPOP_REPLY = 2;

/** RFC 826 for Ethernet/IPv4 (htype 1, ptype 0x0800, hlen 6, plen 4). */
export interface ArpPacket {
  op: number;
  sha: MacAddr;
  spa: Ipv4Addr;
  tha: MacAddr;
  tpa: Ipv4Addr;
}

/** RFC 791. Options are not modelled (ihl is always 5). */
export interface Ipv4Header {
  tos: number;
  /** Total length in bytes, header included. Emitters recompute it from the payload when 0. */
  totalLength: number;
  id: number;
  df: boolean;
  mf: boolean;
  fragOffset: number;
  ttl: number;
  protocol: number;
  /** Header checksum as on the wire; emitters recompute it. */
  checksum: number;
  src: Ipv4Addr;
  dst: Ipv4Addr;
}

export interface TcpFlags {
  fin: boolean;
  syn: boolean;
  rst: boolean;
  psh: boolean;
  ack: boolean;
  urg: boolean;
  ece: boolean;
  cwr: boolean;
}

/** RFC 793. Options are not modelled (data offset is always 5). */
export interface TcpHeader {
  sport: number;
  dport: number;
  seq: number;
  ack: number;
  flags: TcpFlags;
  window: number;
  checksum: number;
  urgent: number;
}

/** RFC 768. */
export interface UdpHeader {
  sport: number;
  dport: number;
  /** Header plus payload, in bytes. */
  length: number;
  checksum: number;
}

/**
 * RFC 9260 §3.1 common header, with the one chunk the model carries (§3.2): its type, and its value bytes
 * counted in the packet's `payloadLength` (emitted as zeros). Bundling is not modelled.
 */
export interface SctpHeader {
  sport: number;
  dport: number;
  /** Verification tag: 0 in an INIT (§8.5.1), the peer's initiate tag after. */
  vtag: number;
  /** CRC32c as on the wire; emitters recompute it. */
  checksum: number;
  /** The chunk's type: SCTP_CID_INIT, SCTP_CID_INIT_ACK, SCTP_CID_ABORT, ... */
  chunk: number;
}

// RFC 9260 §3.2 chunk types (include/linux/sctp.h enum sctp_cid).
export const SCTP_CID_DATA = 0;
export const SCTP_CID_INIT = 1;
export const SCTP_CID_INIT_ACK = 2;
export const SCTP_CID_ABORT = 6;
/** The fixed part of an INIT / INIT ACK chunk's value: initiate tag, a_rwnd, streams, initial TSN (§3.3.2). */
export const SCTP_INIT_VALUE_LEN = 16;

export const ICMP_ECHOREPLY = 0;
export const ICMP_DEST_UNREACH = 3;
export const ICMP_ECHO = 8;
export const ICMP_TIME_EXCEEDED = 11;

// ICMP_DEST_UNREACH codes (include/uapi/linux/icmp.h)
export const ICMP_NET_UNREACH = 0;
export const ICMP_HOST_UNREACH = 1;
export const ICMP_PROT_UNREACH = 2;
export const ICMP_PORT_UNREACH = 3;
export const ICMP_FRAG_NEEDED = 4;
export const ICMP_NET_ANO = 9;
export const ICMP_HOST_ANO = 10;
export const ICMP_PKT_FILTERED = 13;
// ICMP_TIME_EXCEEDED codes
export const ICMP_EXC_TTL = 0;

/**
 * RFC 792. `rest` is the second 32-bit word: id<<16|seq for echo, next-hop MTU in the low 16 bits for
 * frag-needed, 0 otherwise. Error messages carry the offending IP header plus at least 8 bytes of it.
 */
export interface IcmpHeader {
  type: number;
  code: number;
  checksum: number;
  rest: number;
}

/** RFC 7348: flags 0x08 (I bit) means the VNI is valid. */
export interface VxlanHeader {
  flags: number;
  vni: number;
}

// Additions below: constants and helper types shared by the codecs in this folder.

/** An IPv4 prefix as `ip` prints it (`10.0.0.0/24`). Host bits are not required to be zero. */
export interface Ipv4Prefix {
  addr: Ipv4Addr;
  len: number;
}

export const ETH_HLEN = 14;
export const ETH_ALEN = 6;
export const BROADCAST_MAC: MacAddr = 'ff:ff:ff:ff:ff:ff';

export const IPV4_HLEN = 20;
export const TCP_HLEN = 20;
export const UDP_HLEN = 8;
export const ICMP_HLEN = 8;
/** SCTP common header (12) plus the one chunk's header (4). */
export const SCTP_HLEN = 16;
/** RFC 826 for Ethernet/IPv4: 8 fixed bytes plus 2 * (6 + 4). */
export const ARP_PLEN = 28;
export const ARPHRD_ETHER = 1;

export const ICMP_SOURCE_QUENCH = 4;
export const ICMP_REDIRECT = 5;
export const ICMP_PARAMETERPROB = 12;

// The remaining ICMP_DEST_UNREACH codes (include/uapi/linux/icmp.h)
export const ICMP_SR_FAILED = 5;
export const ICMP_NET_UNKNOWN = 6;
export const ICMP_HOST_UNKNOWN = 7;
export const ICMP_HOST_ISOLATED = 8;
export const ICMP_NET_UNR_TOS = 11;
export const ICMP_HOST_UNR_TOS = 12;
export const ICMP_PREC_VIOLATION = 14;
export const ICMP_PREC_CUTOFF = 15;
// ICMP_TIME_EXCEEDED codes
export const ICMP_EXC_FRAGTIME = 1;

/** RFC 7348 §5: the I flag, set when the VNI is valid. */
export const VXLAN_FLAGS_VNI = 0x08;
export const VXLAN_HLEN = 8;
/** IANA port (RFC 7348). */
export const VXLAN_PORT_IANA = 4789;
/** The port Linux used before IANA assigned one; flannel's vxlan backend still uses it. */
export const VXLAN_PORT_LINUX = 8472;
