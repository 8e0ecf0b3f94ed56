// One probe from a socket, run as `ip netns exec NS node client.mjs '<json>'` by the kernel oracle
// (src/oracle/probe.ts). The argument is {proto: "tcp"|"udp", dst, dport, src?, sport, size, timeoutMs}.
// Prints one JSON line and exits: {"result":"connected"|"answered"|"error"|"timeout", errno?, local?, ms}.
// TCP: a connect() (the SYN and its answer). UDP: a connected socket, so that an ICMP port unreachable comes
// back as ECONNREFUSED, and one datagram of `size` bytes that the listener answers.
import net from 'node:net';
import dgram from 'node:dgram';

const p = JSON.parse(process.argv[2]);
const t0 = process.hrtime.bigint();
let done = false;
function finish(result) {
  if (done) return;
  done = true;
  const ms = Number((process.hrtime.bigint() - t0) / 1000000n);
  process.stdout.write(`${JSON.stringify({ ...result, ms })}\n`);
  process.exit(0);
}
setTimeout(() => finish({ result: 'timeout' }), p.timeoutMs);
// Gone with the oracle: it keeps our stdin open until it ends.
process.stdin.on('end', () => process.exit(0));
process.stdin.on('error', () => process.exit(0));
process.stdin.resume();

if (p.proto === 'tcp') {
  const opts = { host: p.dst, port: p.dport, localPort: p.sport };
  if (p.src) opts.localAddress = p.src;
  const sock = net.connect(opts);
  sock.on('connect', () => {
    finish({ result: 'connected', local: `${sock.localAddress}:${sock.localPort}` });
  });
  sock.on('error', (err) => finish({ result: 'error', errno: err.code, message: err.message }));
} else {
  const sock = dgram.createSocket('udp4');
  sock.on('error', (err) => finish({ result: 'error', errno: err.code, message: err.message }));
  sock.on('message', () => finish({ result: 'answered' }));
  sock.bind({ port: p.sport, address: p.src || undefined }, () => {
    sock.connect(p.dport, p.dst, (err) => {
      if (err) return finish({ result: 'error', errno: err.code, message: err.message });
      sock.send(Buffer.alloc(p.size, 0x70), (e) => {
        if (e) finish({ result: 'error', errno: e.code, message: e.message });
      });
    });
  });
}
