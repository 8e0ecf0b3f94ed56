# One SCTP INIT, run as `ip netns exec NS python3 sctp-init.py '<json>'` by the kernel oracle (src/oracle/probe.ts)
# for a trace with `proto: sctp`: the kernels the oracle runs on may have no SCTP stack, and a raw socket needs
# none. The argument is {src, dst, sport, dport, timeoutMs}. The INIT (RFC 9260 §3.3.2, verification tag 0,
# CRC32c as Linux's sctp_compute_cksum() stores it) goes out through a raw socket (the kernel adds the IP header
# and routes it); raw sockets watch for the first ICMP error quoting our ports, or the first SCTP packet that
# comes back on them. Prints one JSON line: {"result": "icmp", "type", "code", "from"} | {"result": "sctp",
# "chunk"} | {"result": "timeout"}, with "ms".
import json
import select
import socket
import struct
import sys
import time

p = json.loads(sys.argv[1])


def crc32c(data: bytes) -> int:
    crc = 0xffffffff
    for b in data:
        crc ^= b
        for _ in range(8):
            crc = (crc >> 1) ^ 0x82f63b78 if crc & 1 else crc >> 1
    return crc ^ 0xffffffff


chunk = struct.pack('!BBHIIHHI', 1, 0, 20, 0x5057414b, 65535, 10, 65535, 1)
packet = struct.pack('!HHII', p['sport'], p['dport'], 0, 0) + chunk
packet = packet[:8] + struct.pack('<I', crc32c(packet)) + packet[12:]

rx_icmp = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
rx_sctp = socket.socket(socket.AF_INET, socket.SOCK_RAW, 132)
tx = socket.socket(socket.AF_INET, socket.SOCK_RAW, 132)
tx.bind((p['src'], 0))
t0 = time.monotonic()
try:
    tx.sendto(packet, (p['dst'], 0))
except OSError as e:
    print(json.dumps({'result': 'error', 'errno': e.errno, 'message': e.strerror, 'ms': 0}), flush=True)
    sys.exit(0)
deadline = t0 + p['timeoutMs'] / 1000


def done(result: dict) -> None:
    result['ms'] = int((time.monotonic() - t0) * 1000)
    print(json.dumps(result), flush=True)
    sys.exit(0)


while True:
    left = deadline - time.monotonic()
    if left <= 0:
        done({'result': 'timeout'})
    ready, _, _ = select.select([rx_icmp, rx_sctp], [], [], left)
    for s in ready:
        data, addr = s.recvfrom(65535)
        ihl = (data[0] & 0x0f) * 4
        if s is rx_sctp:
            if len(data) < ihl + 13:
                continue
            sport, dport = struct.unpack('!HH', data[ihl:ihl + 4])
            if sport == p['dport'] and dport == p['sport'] and data[ihl + 12] != 1:
                done({'result': 'sctp', 'chunk': data[ihl + 12]})
            continue
        if len(data) < ihl + 8 + 20 + 4:
            continue
        icmp_type, code = data[ihl], data[ihl + 1]
        if icmp_type not in (3, 11):
            continue
        q = data[ihl + 8:]
        qihl = (q[0] & 0x0f) * 4
        if q[9] != 132 or len(q) < qihl + 4:
            continue
        sport, dport = struct.unpack('!HH', q[qihl:qihl + 4])
        if sport == p['sport']:
            done({'result': 'icmp', 'type': icmp_type, 'code': code, 'from': addr[0]})
