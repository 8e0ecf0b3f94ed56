// Kernel agreement for the IPv6 rule walk (src/trace/ip6tables-save-trace.ts): examples/kube-proxy-node-ipv6.rules
// loaded with the real ip6tables-restore in a node namespace between a client (2001:db8::2, 2600:5200::1,
// fd00:10::2) and a pod namespace holding both endpoints with a listener on port 80. Each case connects for real
// and reads the node's conntrack entry: the reply source is the endpoint the DNAT chose (one of the walk's
// DNAT destinations) and a reply destination other than the client is the masquerade (the walk's flag); a
// REJECT is a refused connect with no entry; no DNAT leaves the reply source the original destination.
// Needs root, iproute2, ip6tables 1.8 (nf_tables), conntrack, nfacct and python3; without them it is skipped
// with the reason.
//
// Safety: namespaces `pw6w<pid>-{n,c,p}` are created here and deleted at the end (also on failure); the pod's
// listener is ended by its PID; nothing is sent outside these namespaces, nothing runs in the root namespace but
// `ip netns add/del/exec` and `--version` probes.

import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { traceIp6tablesSave } from '../../src/trace/ip6tables-save-trace.js';
import { deleteNamespace, kernelUnavailable, removeStaleNamespaces, run, runWithInput } from './iptables-gen/kernel-iptables.js';

const STEM = 'pw6w';
const PREFIX = `${STEM}${process.pid}-`;
const NODE = `${PREFIX}n`;
const CLIENT = `${PREFIX}c`;
const POD = `${PREFIX}p`;
const DUMP = readFileSync(join(import.meta.dirname, '..', '..', 'examples', 'kube-proxy-node-ipv6.rules'), 'utf8');
const NODE_IPS = ['2001:db8::1', 'fd00:10:180::fe'];

function why(): string | undefined {
  const base = kernelUnavailable(`${PREFIX}probe`);
  if (base !== undefined) return base;
  const missing = [['ip6tables-restore', '--version'], ['conntrack', '--version'], ['nfacct', 'version'], ['python3', '--version']].filter(([t, a]) => run(t, [a], 5000).missing).map(([t]) => t);
  return missing.length ? `missing tools: ${missing.join(', ')}` : undefined;
}

const unavailable = why();
if (unavailable !== undefined) console.warn(`ip6tables walk agreement skipped: ${unavailable}`);

const x = (ns: string, ...args: string[]): ReturnType<typeof run> => run('ip', ['netns', 'exec', ns, ...args], 10_000);

function must(r: ReturnType<typeof run>, what: string): void {
  if (r.code !== 0) throw new Error(`${what}: ${r.err.trim()}`);
}

/** Connects from `ns` bound to `src`; "connected", "refused" or the error. */
function connect(ns: string, src: string, dst: string, port: number): string {
  const py = `import socket\ns=socket.socket(socket.AF_INET6,socket.SOCK_STREAM)\ns.settimeout(2)\ns.bind(('${src}',0))\ntry:\n  s.connect(('${dst}',${port}))\n  print('connected')\nexcept ConnectionRefusedError:\n  print('refused')\nexcept Exception as e:\n  print(e)\n`;
  return x(ns, 'python3', '-c', py).out.trim();
}

/** The node's conntrack entry of the flow: its reply tuple's source and destination. */
function entry(src: string, dst: string): { replySrc: string; replyDst: string } | null {
  const out = x(NODE, 'conntrack', '-L', '-f', 'ipv6').out;
  for (const line of out.split('\n')) {
    const srcs = [...line.matchAll(/src=(\S+)/g)].map((m) => m[1]);
    const dsts = [...line.matchAll(/dst=(\S+)/g)].map((m) => m[1]);
    if (srcs[0] === src && dsts[0] === dst && srcs.length === 2) return { replySrc: srcs[1], replyDst: dsts[1] };
  }
  return null;
}

const endpointAddr = (d: string): string => d.replace(/^\[/, '').replace(/\]:\d+$/, '');

describe.skipIf(unavailable !== undefined)(`the IPv6 rule walk agrees with the kernel${unavailable !== undefined ? ` (skipped: ${unavailable})` : ''}`, () => {
  let server: ReturnType<typeof spawn> | null = null;

  beforeAll(async () => {
    removeStaleNamespaces(STEM);
    for (const ns of [NODE, CLIENT, POD]) must(run('ip', ['netns', 'add', ns], 5000), `netns add ${ns}`);
    must(run('ip', ['link', 'add', 'eth0', 'netns', NODE, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', CLIENT], 5000), 'veth client');
    must(run('ip', ['link', 'add', 'pod0', 'netns', NODE, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', POD], 5000), 'veth pod');
    for (const ns of [NODE, CLIENT, POD]) {
      must(x(ns, 'sysctl', '-qw', 'net.ipv6.conf.all.accept_dad=0', 'net.ipv6.conf.default.accept_dad=0'), 'sysctl dad');
      must(x(ns, 'ip', 'link', 'set', 'lo', 'up'), 'lo up');
    }
    must(x(NODE, 'sysctl', '-qw', 'net.ipv6.conf.all.forwarding=1'), 'forwarding');
    const addrs: Array<[string, string, string]> = [
      [NODE, 'eth0', '2001:db8::1/64'], [NODE, 'pod0', 'fd00:10:180::fe/64'], [CLIENT, 'eth0', '2001:db8::2/64'],
      [CLIENT, 'eth0', '2600:5200::1/128'], [CLIENT, 'eth0', 'fd00:10::2/128'], [POD, 'eth0', 'fd00:10:180::1/64'], [POD, 'eth0', 'fd00:10:180::2:1/64'],
    ];
    for (const [ns, dev, a] of addrs) must(x(ns, 'ip', '-6', 'addr', 'add', a, 'dev', dev, 'nodad'), `addr ${a}`);
    for (const [ns, dev] of [[NODE, 'eth0'], [NODE, 'pod0'], [CLIENT, 'eth0'], [POD, 'eth0']]) must(x(ns, 'ip', 'link', 'set', dev, 'up'), `${dev} up`);
    must(x(CLIENT, 'ip', '-6', 'route', 'add', 'default', 'via', '2001:db8::1'), 'client route');
    must(x(NODE, 'ip', '-6', 'route', 'add', 'default', 'via', '2001:db8::2'), 'node route');
    must(x(POD, 'ip', '-6', 'route', 'add', 'default', 'via', 'fd00:10:180::fe'), 'pod route');
    must(x(NODE, 'nfacct', 'add', 'ct_state_invalid_dropped_pkts'), 'nfacct');
    const r = await runWithInput('ip', ['netns', 'exec', NODE, 'ip6tables-restore'], DUMP, 10_000);
    if (r.code !== 0) throw new Error(`ip6tables-restore: ${r.err}`);
    const py = "import socket\ns=socket.socket(socket.AF_INET6,socket.SOCK_STREAM)\ns.setsockopt(socket.SOL_SOCKET,socket.SO_REUSEADDR,1)\ns.bind(('::',80))\ns.listen(16)\nprint('ready',flush=True)\nwhile True:\n  c,a=s.accept()\n  c.close()\n";
    const srv = spawn('ip', ['netns', 'exec', POD, 'python3', '-c', py], { stdio: ['ignore', 'pipe', 'ignore'], timeout: 60_000, killSignal: 'SIGKILL' });
    server = srv;
    await new Promise<void>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error('the pod listener did not start within 10 s')), 10_000);
      srv.stdout?.on('data', () => {
        clearTimeout(t);
        resolve();
      });
    });
  }, 60_000);

  afterAll(() => {
    if (server?.pid !== undefined && server.exitCode === null) process.kill(server.pid, 'SIGKILL');
    for (const ns of [NODE, CLIENT, POD]) deleteNamespace(ns);
  });

  it.each([
    ['an external client to the NodePort', CLIENT, '2600:5200::1', '2001:db8::1', 3001],
    ['a pod to the ClusterIP', CLIENT, 'fd00:10::2', 'fd00:172:30::41', 80],
    ['the node to its own NodePort', NODE, '2001:db8::1', '2001:db8::1', 3001],
  ] as const)('%s: the kernel DNATs to an endpoint of the walk, masquerading as the walk says', (_n, ns, src, dst, port) => {
    must(x(NODE, 'conntrack', '-F', '-f', 'ipv6'), 'conntrack -F');
    const walk = traceIp6tablesSave(DUMP, { src, dst, dport: port, nodeIPs: NODE_IPS });
    expect(walk.errors).toEqual([]);
    expect(connect(ns, src, dst, port)).toBe('connected');
    const e = entry(src, dst);
    expect(e).not.toBeNull();
    expect(walk.dnat.map(endpointAddr)).toContain(e!.replySrc);
    expect(e!.replyDst !== src).toBe(walk.masquerade);
  });

  it('a Service without endpoints: the walk REJECTs, the kernel refuses with no entry', () => {
    must(x(NODE, 'conntrack', '-F', '-f', 'ipv6'), 'conntrack -F');
    const walk = traceIp6tablesSave(DUMP, { src: 'fd00:10::2', dst: 'fd00:172:30::42', dport: 80, nodeIPs: NODE_IPS });
    expect(walk.verdict).toBe('REJECT');
    expect(connect(CLIENT, 'fd00:10::2', 'fd00:172:30::42', 80)).toBe('refused');
    expect(entry('fd00:10::2', 'fd00:172:30::42')).toBeNull();
  });

  it('localhost to the NodePort: neither the walk nor the kernel DNATs it', () => {
    must(x(NODE, 'conntrack', '-F', '-f', 'ipv6'), 'conntrack -F');
    const walk = traceIp6tablesSave(DUMP, { src: '::1', dst: '::1', dport: 3001, nodeIPs: NODE_IPS });
    expect([walk.dnat, walk.output]).toEqual([[], '']);
    expect(connect(NODE, '::1', '::1', 3001)).toBe('refused');
    const e = entry('::1', '::1');
    if (e) expect(e.replySrc).toBe('::1');
  });
});
