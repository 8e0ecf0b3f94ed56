// Listening sockets for one namespace, run as `ip netns exec NS node listen.mjs '<json>'` by the kernel
// oracle (src/oracle/probe.ts). The argument is a list of {proto, port, addr}. Every line on stdout is one
// JSON event: {"ev":"ready"} once all sockets are bound, then one {"ev":"tcp"|"udp", local, peer} per
// accepted connection or received datagram. A datagram is echoed to its sender; a connection is closed.
import net from 'node:net';
import dgram from 'node:dgram';

const specs = JSON.parse(process.argv[2] ?? '[]');
const emit = (event) => process.stdout.write(`${JSON.stringify(event)}\n`);
const endpoint = (addr, port) => `${addr}:${port}`;

function listenTcp({ port, addr }) {
  return new Promise((resolve, reject) => {
    const server = net.createServer((sock) => {
      emit({ ev: 'tcp', local: endpoint(sock.localAddress, sock.localPort), peer: endpoint(sock.remoteAddress, sock.remotePort) });
      sock.on('error', () => {});
      sock.end();
    });
    server.on('error', reject);
    server.listen({ port, host: addr, exclusive: true }, () => resolve());
  });
}

function listenUdp({ port, addr }) {
  return new Promise((resolve, reject) => {
    const sock = dgram.createSocket('udp4');
    sock.on('error', reject);
    sock.on('message', (msg, rinfo) => {
      const local = sock.address();
      emit({ ev: 'udp', local: endpoint(local.address, local.port), peer: endpoint(rinfo.address, rinfo.port), size: msg.length });
      // An echo: the answer is as large as the question, as the emulator's UDP answer is.
      sock.send(msg, rinfo.port, rinfo.address, () => {});
    });
    sock.bind({ port, address: addr, exclusive: true }, () => resolve());
  });
}

try {
  await Promise.all(specs.map((s) => (s.proto === 'tcp' ? listenTcp(s) : listenUdp(s))));
  emit({ ev: 'ready' });
} catch (err) {
  emit({ ev: 'error', error: String(err && err.message ? err.message : err) });
  process.exit(1);
}
process.on('SIGTERM', () => process.exit(0));
// The oracle keeps our stdin open; when it goes away, even by SIGKILL, the pipe closes and so do we.
process.stdin.on('end', () => process.exit(0));
process.stdin.on('error', () => process.exit(0));
process.stdin.resume();
