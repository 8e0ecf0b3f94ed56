// The kernel columns of `npm run bench`: one node's generated rules loaded with the real iptables-restore, and
// the kernel's cost per new connection through them. Everything runs in namespaces this module makes, named
// `pwb<pid>-...`, deleted again when a measurement ends (also on failure and on exit); nothing is configured in
// the root namespace, and no packet leaves the namespaces (the node's routes to other nodes' pods end in a
// sink namespace that drops what it is given).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';

const PREFIX = `pwb${process.pid}-`;
const made = new Set();
/** The folder the C helpers are compiled into, once per bench run. */
let binDir;
/** Echo servers this module started, ended by PID. */
const started = new Set();

function sh(cmd, args, { input, timeout = 60_000 } = {}) {
  const r = spawnSync(cmd, args, { input, encoding: 'utf8', timeout, maxBuffer: 64 << 20 });
  if (r.error?.code === 'ENOENT') return { code: -1, out: '', err: `${cmd}: not installed` };
  return { code: r.status, out: r.stdout ?? '', err: (r.stderr ?? '') + (r.error ? String(r.error.message) : '') };
}

function must(cmd, args, opts) {
  const r = sh(cmd, args, opts);
  if (r.code !== 0) throw new Error(`${cmd} ${args.join(' ')}: ${r.err.trim() || `exit ${r.code}`}`);
  return r.out;
}

function addNetns(name) {
  must('ip', ['netns', 'add', name], { timeout: 10_000 });
  made.add(name);
  must('ip', ['-n', name, 'link', 'set', 'lo', 'up']);
}

function delNetns(name) {
  if (!made.has(name)) return;
  sh('ip', ['netns', 'del', name], { timeout: 10_000 });
  made.delete(name);
}

/** CPU time all cores spent outside idle and iowait so far, in /proc/stat's ticks, and the total. */
function cpuTicks() {
  const f = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  const total = f.reduce((x, y) => x + y, 0);
  return { busy: total - f[3] - f[4], total };
}

/**
 * Waits (up to 60 s) until the machine is idle again: `ip netns del` returns at once, and the kernel frees the
 * namespace (cleanup_net() in a workqueue) afterwards; a node's 220,000 rules take seconds of CPU, which the
 * figures measured next would otherwise share.
 */
export function settle() {
  const nap = new Int32Array(new SharedArrayBuffer(4));
  const until = Date.now() + 60_000;
  while (Date.now() < until) {
    const a = cpuTicks();
    Atomics.wait(nap, 0, 0, 500);
    const b = cpuTicks();
    if (b.total > a.total && (b.busy - a.busy) / (b.total - a.total) < 0.1) return;
  }
}

function cleanup() {
  stopEchoes();
  for (const n of [...made]) delNetns(n);
  if (binDir) rmSync(binDir, { recursive: true, force: true });
  binDir = undefined;
}

function echoPids() {
  return [...started].map((c) => String(c.pid));
}

function stopEchoes() {
  for (const child of started) {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    started.delete(child);
  }
}
process.on('exit', cleanup);
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => { cleanup(); process.exit(130); });

/** Why the kernel columns cannot be measured here, or undefined. */
export function kernelUnavailable() {
  if (process.platform !== 'linux') return `not Linux (${process.platform})`;
  if (process.getuid?.() !== 0) return 'not root (network namespaces need CAP_SYS_ADMIN)';
  for (const [t, a] of [['ip', ['-V']], ['iptables-restore', ['--version']], ['conntrack', ['--version']], ['cc', ['--version']]]) {
    if (sh(t, a, { timeout: 5000 }).code === -1) return `${t} is not installed`;
  }
  const probe = `${PREFIX}probe`;
  try {
    addNetns(probe);
  } catch (e) {
    return `cannot create a network namespace: ${e.message}`;
  } finally {
    delNetns(probe);
  }
  return undefined;
}

/** The C helper `name` (udp-burst, udp-rtt, udp-echo), compiled once per bench run into a temporary folder. */
function helperPath(name) {
  binDir ??= mkdtempSync(join(tmpdir(), 'pwb-'));
  const exe = join(binDir, name);
  if (!existsSync(exe)) must('cc', ['-O2', '-o', exe, join(dirname(fileURLToPath(import.meta.url)), `${name}.c`)]);
  return exe;
}

/** Wall time (ms) of `iptables-restore` loading `text` into a fresh namespace, `runs` times. */
export function kernelRestore(text, runs) {
  const ms = [];
  for (let i = 0; i < runs; i++) {
    const ns = `${PREFIX}restore`;
    try {
      addNetns(ns);
      const t0 = performance.now();
      must('ip', ['netns', 'exec', ns, 'iptables-restore'], { input: text, timeout: 600_000 });
      ms.push(performance.now() - t0);
    } finally {
      delNetns(ns);
      settle();
    }
  }
  return ms;
}

/**
 * The kernel's cost per new connection: a pod-like namespace (eth0, default route to the node) sends `count`
 * UDP datagrams, each from a new source port, to each target in turn through a node namespace holding `text`
 * (the node's rules, forwarding on, other nodes' pod networks routed into a dummy device). Returns, per target,
 * `runs` samples of microseconds per datagram; the node's conntrack table is flushed before each burst.
 */
export function kernelNewConnection({ text, podIP, gateway, podPrefixLen, clusterCIDR, targets, count, runs }) {
  const node = `${PREFIX}node`;
  const pod = `${PREFIX}pod`;
  const sink = `${PREFIX}sink`;
  const exe = helperPath('udp-burst');
  try {
    addNetns(node);
    addNetns(pod);
    must('ip', ['-n', node, 'link', 'add', 'veth0', 'type', 'veth', 'peer', 'name', 'eth0', 'netns', pod]);
    must('ip', ['-n', node, 'addr', 'add', `${gateway}/${podPrefixLen}`, 'dev', 'veth0']);
    must('ip', ['-n', node, 'link', 'set', 'veth0', 'up']);
    must('ip', ['-n', pod, 'addr', 'add', `${podIP}/${podPrefixLen}`, 'dev', 'eth0']);
    must('ip', ['-n', pod, 'link', 'set', 'eth0', 'up']);
    must('ip', ['-n', pod, 'route', 'add', 'default', 'via', gateway, 'dev', 'eth0']);
    // Other nodes' pods: out of a NOARP veth (frames addressed to its own MAC) into a sink namespace, where
    // eth_type_trans() marks them PACKET_OTHERHOST and ip_rcv() frees them. (A dummy device would do, but not
    // every kernel has the driver.)
    addNetns(sink);
    must('ip', ['-n', node, 'link', 'add', 'veth1', 'type', 'veth', 'peer', 'name', 'eth0', 'netns', sink]);
    must('ip', ['-n', node, 'link', 'set', 'veth1', 'arp', 'off', 'up']);
    must('ip', ['-n', sink, 'link', 'set', 'eth0', 'up']);
    must('ip', ['-n', node, 'route', 'add', clusterCIDR, 'dev', 'veth1']);
    must('ip', ['netns', 'exec', node, 'sysctl', '-qw', 'net.ipv4.ip_forward=1']);
    must('ip', ['netns', 'exec', node, 'iptables-restore'], { input: text, timeout: 600_000 });
    const out = {};
    for (const t of targets) {
      // A short burst first: the pod's ARP for its gateway, caches warm.
      must('ip', ['netns', 'exec', pod, exe, t.ip, String(t.port), '200', '60000'], { timeout: 60_000 });
      const us = [];
      for (let r = 0; r < runs; r++) {
        sh('ip', ['netns', 'exec', node, 'conntrack', '-F'], { timeout: 30_000 });
        const ns = Number(must('ip', ['netns', 'exec', pod, exe, t.ip, String(t.port), String(count), '1024'], { timeout: 120_000 }).trim());
        us.push(ns / 1000 / count);
      }
      out[t.name] = us;
    }
    return out;
  } finally {
    delNetns(pod);
    delNetns(sink);
    delNetns(node);
    settle();
  }
}

/**
 * The part of a compiled cluster's World a round trip from `client` to `endpoints` crosses, for realize.ts:
 * the underlay, the client pod and the endpoint pods, and their nodes (each with its whole iptables text),
 * minus the veth pairs to every other pod and node. Listeners are left out: udp-echo answers instead.
 */
export function roundTripWorld(world, clientNetns, endpointNetns, nodeOf) {
  const pods = new Set([clientNetns, ...endpointNetns]);
  const keep = new Set(['underlay', ...pods, ...[...pods].map(nodeOf)]);
  const namespaces = world.namespaces
    .filter((n) => keep.has(n.name))
    .map((n) => ({ ...n, listen: [], links: n.links.filter((l) => l.peer === undefined || keep.has(l.peer.netns)) }));
  return { ...world, namespaces };
}

/**
 * The kernel's cost of the same round trip our trace follows: `world` (roundTripWorld()) built for real by
 * `realize` (the commands `net realize` prints), udp-echo listening on `echoPort` in every endpoint pod, and
 * udp-rtt in the client pod making `count` new connections to each target in turn, each a datagram to the
 * ClusterIP and its answer back (kube-proxy's DNAT on the client's node, VXLAN to the endpoint's node and
 * back, the reverse NAT), fewer when a second's worth is fewer. Every node's conntrack table is flushed before each run. Returns, per target, `runs`
 * samples per round trip of: CPU microseconds udp-rtt and the echoes ran (cpuUs: the packets' whole way runs in
 * their syscalls, see udp-rtt.c), microseconds all cores were busy (busyUs: the same plus whatever else ran),
 * and wall microseconds.
 */
export async function kernelRoundTrip({ world, clientNetns, endpointNetns, targets, echoPort, count, runs }) {
  const { realizeCommands } = await import('../../dist/oracle/realize.js');
  const prefix = `${PREFIX}r-`;
  const { up } = realizeCommands(world, prefix);
  const rtt = helperPath('udp-rtt');
  const echo = helperPath('udp-echo');
  const ns = (name) => `${prefix}${name}`;
  for (const n of world.namespaces) made.add(ns(n.name));
  try {
    must('bash', ['-e'], { input: `${up.join('\n')}\n`, timeout: 900_000 });
    for (const pod of endpointNetns) await startEcho(ns(pod), echo, echoPort);
    const nodes = world.namespaces.filter((n) => n.iptables !== undefined && n.iptables.trim() !== '').map((n) => ns(n.name));
    const out = {};
    for (const t of targets) {
      const run = (n, sport) => {
        const args = [t.ip, String(t.port), String(n), String(sport), '500', ...echoPids()];
        const line = must('ip', ['netns', 'exec', ns(clientNetns), rtt, ...args], { timeout: 300_000 });
        const [wallNs, taskNs, busy, hz, replies] = line.trim().split(/\s+/).map(Number);
        if (replies < n) throw new Error(`round trip to ${t.ip}:${t.port}: ${replies} of ${n} datagrams answered`);
        return { cpuUs: taskNs / 1000 / n, busyUs: (busy / hz) * 1e6 / n, wallUs: wallNs / 1000 / n };
      };
      // ARP and the caches warm, as the trace's warm World is; and as many round trips a run as fill about a
      // second, up to `count` (at 10,000 Services a round trip walks KUBE-SERVICES five times, ~1.5 ms).
      const warm = run(200, 60000);
      const n = Math.max(200, Math.min(count, Math.round(1e6 / warm.wallUs)));
      const cpuUs = [], busyUs = [], wallUs = [];
      for (let r = 0; r < runs; r++) {
        for (const node of nodes) sh('ip', ['netns', 'exec', node, 'conntrack', '-F'], { timeout: 30_000 });
        const m = run(n, 1024);
        cpuUs.push(m.cpuUs);
        busyUs.push(m.busyUs);
        wallUs.push(m.wallUs);
      }
      out[t.name] = { cpuUs, busyUs, wallUs, roundTrips: n };
    }
    return out;
  } finally {
    stopEchoes();
    for (const n of world.namespaces) delNetns(ns(n.name));
    settle();
  }
}

/** udp-echo in `netns`, resolved once it prints "ready" (bounded: 15 s); ended by PID in stopEchoes(). */
function startEcho(netns, exe, port) {
  const child = spawn('ip', ['netns', 'exec', netns, exe, String(port), '600000'], { stdio: ['ignore', 'pipe', 'pipe'] });
  started.add(child);
  return new Promise((resolve, reject) => {
    let err = '';
    const timer = setTimeout(() => reject(new Error(`udp-echo in ${netns}: not ready after 15 s`)), 15_000);
    child.stderr.on('data', (d) => { err += d; });
    child.stdout.once('data', () => { clearTimeout(timer); resolve(); });
    child.once('exit', (code) => { clearTimeout(timer); reject(new Error(`udp-echo in ${netns} exited (${code}): ${err.trim()}`)); });
  });
}

export function kernelCleanup() {
  cleanup();
}

/** `uname -r` and iptables' version line, for results.json. */
export function kernelVersions() {
  return { kernel: sh('uname', ['-r']).out.trim(), iptables: sh('iptables', ['--version']).out.trim() };
}
