// Linux defaults of the net.netfilter.nf_conntrack_*_timeout* sysctls, in seconds
// (tcp_timeouts[] in nf_conntrack_proto_tcp.c, udp_timeouts[], nf_ct_icmp_timeout, nf_ct_generic_timeout).

export interface CtTimeouts {
  tcpSynSent: number;
  tcpSynRecv: number;
  tcpEstablished: number;
  tcpFinWait: number;
  tcpCloseWait: number;
  tcpLastAck: number;
  tcpTimeWait: number;
  tcpClose: number;
  /** nf_conntrack_tcp_timeout_unacknowledged: caps ESTABLISHED while a picked-up connection has no reply. */
  tcpUnack: number;
  /** nf_conntrack_udp_timeout: before the connection looks like a stream. */
  udp: number;
  /** nf_conntrack_udp_timeout_stream: traffic both ways, still active 2 s after the first packet. */
  udpStream: number;
  icmp: number;
  /** nf_conntrack_generic_timeout: protocols conntrack has no tracker for. */
  generic: number;
}

export const LINUX_CT_TIMEOUTS: Readonly<CtTimeouts> = Object.freeze({
  tcpSynSent: 120,
  tcpSynRecv: 60,
  tcpEstablished: 432000,
  tcpFinWait: 120,
  tcpCloseWait: 60,
  tcpLastAck: 30,
  tcpTimeWait: 120,
  tcpClose: 10,
  tcpUnack: 300,
  udp: 30,
  udpStream: 120,
  icmp: 30,
  generic: 600,
});

/** Linux: udp stream_ts = jiffies + 2 * HZ, set when the connection is created. */
export const UDP_STREAM_AFTER_MS = 2000;

export const SECOND_MS = 1000;
