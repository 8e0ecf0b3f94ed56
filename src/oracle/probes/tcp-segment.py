# One crafted TCP segment, run as `ip netns exec NS python3 tcp-segment.py '<json>'` by the kernel oracle
# (src/oracle/probe.ts) for a trace with `flags`: a real socket can only begin with a SYN. The argument is
# {src, dst, sport, dport, flags ("A", "SA", "R"...), seq, ack, timeoutMs}. The segment goes out through a raw
# socket (the kernel adds the IP header and routes it); a second raw socket watches for the first segment
# that comes back on the same ports. Prints one JSON line: {"result": "rst"|"segment"|"timeout", "flags"?, "ms"}.
import json
import select
import socket
import struct
import sys
import time

p = json.loads(sys.argv[1])
BITS = {'F': 0x01, 'S': 0x02, 'R': 0x04, 'P': 0x08, 'A': 0x10, 'U': 0x20, 'E': 0x40, 'W': 0x80}
NAMES = 'FSRPAUEW'


def checksum(data: bytes) -> int:
    if len(data) % 2:
        data += b'\0'
    s = sum(struct.unpack('!%dH' % (len(data) // 2), data))
    s = (s >> 16) + (s & 0xffff)
    s += s >> 16
    return (~s) & 0xffff


flags = sum(BITS[c] for c in p['flags'])
header = struct.pack('!HHIIBBHHH', p['sport'], p['dport'], p['seq'], p['ack'], 5 << 4, flags, 64240, 0, 0)
pseudo = socket.inet_aton(p['src']) + socket.inet_aton(p['dst']) + struct.pack('!BBH', 0, 6, len(header))
header = header[:16] + struct.pack('!H', checksum(pseudo + header)) + header[18:]

rx = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_TCP)
tx = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_TCP)
tx.bind((p['src'], 0))
t0 = time.monotonic()
tx.sendto(header, (p['dst'], 0))
deadline = t0 + p['timeoutMs'] / 1000


def done(result: dict) -> None:
    result['ms'] = int((time.monotonic() - t0) * 1000)
    print(json.dumps(result), flush=True)
    sys.exit(0)


while True:
    left = deadline - time.monotonic()
    if left <= 0:
        done({'result': 'timeout'})
    ready, _, _ = select.select([rx], [], [], left)
    if not ready:
        continue
    data = rx.recv(65535)
    ihl = (data[0] & 0x0f) * 4
    if len(data) < ihl + 14:
        continue
    sport, dport, _seq, _ack, _off, got = struct.unpack('!HHIIBB', data[ihl:ihl + 14])
    if sport != p['dport'] or dport != p['sport']:
        continue
    letters = ''.join(n for i, n in enumerate(NAMES) if got & (1 << i))
    done({'result': 'rst' if got & BITS['R'] else 'segment', 'flags': letters})
