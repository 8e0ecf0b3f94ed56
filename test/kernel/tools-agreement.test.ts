// Kernel differential test for the timeline tool commands (src/kernel/tools): each sequence of `ip`, `iptables`,
// `iptables-restore`, `conntrack` and `sysctl` commands is applied, in order, to a small world realized in real
// network namespaces and to the same world in the emulator. Every command must succeed or fail alike, with the
// same message, and afterwards `ip -4 route show table all`, `ip -4 rule`, `ip -4 neigh` (sorted: the kernel
// lists its hash), the static entries of `bridge fdb`, the TCP and UDP entries of `conntrack -L` and `iptables-save` (without its dated comment lines and
// chain counters) must print the same text as the `net show` printers. Needs root, iproute2, iptables and
// conntrack; without them the suite is skipped with the reason, or fails when PACKETWALK_KERNEL=required.
//
// Safety: every namespace is named `pwtool<pid>x<N>-<name>`, made for one sequence and deleted right after it
// (also on failure); namespaces of dead runs (a PID that is gone, no process inside) are removed first. Nothing
// runs in the root namespace but `ip netns add/del/list/pids`, and the test sends no traffic.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { formatEntry } from '../../src/kernel/conntrack/print.js';
import { writable } from '../../src/kernel/conntrack/entry.js';
import type { TcpConntrack } from '../../src/kernel/conntrack/tcp-state.js';
import { buildWorld } from '../../src/kernel/netns/build-world.js';
import type { Netns } from '../../src/kernel/netns/netns.js';
import type { WorldSpec } from '../../src/kernel/netns/world-spec.js';
import { printSave } from '../../src/kernel/netfilter/save-print.js';
import { showFdb, showNeigh, showRoute, showRule } from '../../src/kernel/show/index.js';
import { applyCommand, parseCommand, realizeCommand } from '../../src/kernel/tools/index.js';
import { kernelHasDummy, kernelUnavailable, netnsNames, oracleRealizeOptions, runSync } from '../../src/oracle/environment.js';
import { realizeCommands } from '../../src/oracle/realize.js';
import { parseIpv4 } from '../../src/wire/ipv4-addr.js';
import { ns, veth } from '../support/specs.js';

const REQUIRED = process.env.PACKETWALK_KERNEL === 'required';
const STEM = 'pwtool';
const PREFIX_BASE = `${STEM}${process.pid}x`;
const TIMEOUT_MS = 10_000;

/**
 * a and b joined by two veth pairs, a/eth0 10.0.1.2/24 - b/eth0 10.0.1.1/24 and a/eth1 10.0.2.2/24 - b/eth1
 * 10.0.2.1/24, and a third whose end a/p2 is a port of bridge a/br0 with a static fdb entry.
 */
const SPEC: WorldSpec = {
  name: 'tools',
  namespaces: [
    ns('a', [
      veth('eth0', 'b/eth0', '10.0.1.2/24'), veth('eth1', 'b/eth1', '10.0.2.2/24'),
      { name: 'br0', type: 'bridge', addresses: [] }, { ...veth('p2', 'b/q2'), master: 'br0' },
    ], { fdb: [{ text: '02:00:00:00:00:02 dev p2 master static', mac: '02:00:00:00:00:02', dev: 'p2', self: false, permanent: false }] }),
    ns('b', [veth('eth0', 'a/eth0', '10.0.1.1/24'), veth('eth1', 'a/eth1', '10.0.2.1/24'), veth('q2', 'a/p2')]),
  ],
};

/** One step: a command in namespace a (or `b: ...` for b), with the input of iptables-restore. */
interface Step {
  netns: string;
  text: string;
  stdin?: string;
  /** Instead of a command: a conntrack entry put in place (`conntrack -I` on the kernel, the table's API here). */
  insert?: CtInsert;
}

/** A confirmed entry with the inverse reply tuple, as `conntrack -I` makes it. */
interface CtInsert {
  proto: 'tcp' | 'udp';
  src: string;
  dst: string;
  sport: number;
  dport: number;
  replied: boolean;
  assured: boolean;
  mark: number;
  tcpState?: string;
}

function ctInsert(spec: string): Step {
  const [proto, src, sport, dst, dport, flags = '', mark = '0', tcpState] = spec.split(' ');
  const insert: CtInsert = {
    proto: proto as 'tcp' | 'udp', src, dst, sport: Number(sport), dport: Number(dport), replied: flags.includes('R'),
    assured: flags.includes('A'), mark: Number(mark), tcpState,
  };
  return { netns: 'a', text: `conntrack -I ${spec}`, insert };
}

function kernelInsert(real: string, c: CtInsert): string {
  const status = [...(c.replied ? ['SEEN_REPLY'] : []), ...(c.assured ? ['ASSURED'] : [])];
  // conntrack-tools 1.4.7 writes the `-u` bits over a `-m` given before it (measured: `-m 5 -u SEEN_REPLY`
  // makes mark=2), so the status comes first.
  return [
    `ip netns exec ${real} conntrack -I -p ${c.proto} -s ${c.src} -d ${c.dst} --sport ${c.sport} --dport ${c.dport}`,
    `-r ${c.dst} -q ${c.src} --reply-port-src ${c.dport} --reply-port-dst ${c.sport} -t 120`,
    c.tcpState ? `--state ${c.tcpState}` : '', status.length ? `-u ${status.join(',')}` : '', `-m ${c.mark}`,
  ].join(' ');
}

function emulatorInsert(n: Netns, c: CtInsert): void {
  const table = n.nf!.conntrack;
  const proto = c.proto === 'tcp' ? 6 : 17;
  const orig = { proto, src: addr(c.src), sport: c.sport, dst: addr(c.dst), dport: c.dport };
  const e = writable(table.newEntry(orig, { proto, src: orig.dst, sport: orig.dport, dst: orig.src, dport: orig.sport }, 0));
  e.expires = 120_000;
  e.mark = c.mark;
  if (c.replied) e.status.add('SEEN_REPLY');
  if (c.assured) e.status.add('ASSURED');
  if (c.tcpState) e.tcp = { state: c.tcpState } as TcpConntrack;
  table.confirm(e, 0);
}

function addr(text: string): number {
  const a = parseIpv4(text);
  if (a === undefined) throw new Error(`bad address ${text}`);
  return a;
}

function step(line: string, stdin?: string): Step {
  const m = /^(a|b): (.*)$/.exec(line);
  return { netns: m ? m[1] : 'a', text: m ? m[2] : line, stdin };
}

const SEQUENCES: Record<string, Step[]> = {
  'route add, duplicates, gateway checks': [
    'ip route add 10.9.0.0/16 via 10.0.1.1', 'ip route add 10.9.0.0/16 via 10.0.1.1', 'ip route add 10.9.0.0/16 dev eth1 metric 7',
    'ip route add 10.7.0.0/16 via 10.5.0.1', 'ip route add 10.7.0.0/16 via 10.0.1.1 dev eth1', 'ip route add 10.7.0.0/16 dev nosuch',
    'ip route add 10.7.0.0/16 via 10.0.1.1 src 10.9.9.9', 'ip route add 10.7.0.0/16 via 10.0.1.1 onlink', 'ip route add 10.7.0.0/16',
    'ip route add 10.8.0.0/16 via 10.0.2.1 table 100', 'ip route add blackhole 10.6.0.0/16', 'ip route add 10.5.0.0/16 via 10.0.1.1 src 10.0.2.2',
    'ip route add local 10.3.3.3 dev eth0', 'ip route add 10.4.0.0/16 via 10.0.1.9 dev eth0 onlink metric 20 proto static',
  ].map((l) => step(l)),
  'route replace, change, prepend, append': [
    'ip route change 10.6.0.0/16 dev eth0', 'ip route replace 10.6.0.0/16 dev eth0', 'ip route append 10.6.0.0/16 dev eth0',
    'ip route prepend 10.6.0.0/16 dev eth1', 'ip route append 10.6.0.0/16 via 10.0.1.1', 'ip route replace 10.6.0.0/16 via 10.0.2.1',
    'ip route change 10.6.0.0/16 via 10.0.1.1 metric 5', 'ip route replace 10.6.0.0/16 via 10.0.1.1 metric 5',
  ].map((l) => step(l)),
  'route del wildcards and flush': [
    'ip route add 10.9.0.0/16 via 10.0.1.1', 'ip route add 10.9.0.0/16 via 10.0.2.1 metric 10', 'ip route del 10.9.0.0/16 dev eth1',
    'ip route del 10.9.0.0/16 via 10.0.1.7', 'ip route del 10.9.0.0/16 dev eth0 metric 5', 'ip route del 10.9.0.0/16',
    'ip route del 10.9.0.0/16 metric 10', 'ip route del 10.9.0.0/16', 'ip route del 10.0.1.0/24 table 100',
    'ip route del 10.0.2.0/24', 'ip route del broadcast 10.0.2.255 dev eth1 table local',
    'ip route add 10.3.0.0/16 via 10.0.1.1 proto static', 'ip route add 10.2.0.0/16 via 10.0.1.1', 'ip route flush dev eth0 proto static',
    'ip route add 10.1.0.0/16 via 10.0.1.1 table 7', 'ip route flush table 7', 'ip route flush',
  ].map((l) => step(l)),
  'rules': [
    'ip rule add from 1.2.3.4 lookup 100', 'ip rule add from 1.2.3.4 lookup 100', 'ip rule add pref 100 from 1.1.1.1 lookup 5',
    'ip rule add pref 100 from 1.1.1.1 lookup 5', 'ip rule add fwmark 0x1/0x1 prohibit', 'ip rule add iif eth0 to 10.9.0.0/16 table 7 pref 50',
    'ip rule del pref 100 lookup 6', 'ip rule del pref 100 from 1.1.1.0/24', 'ip rule del lookup 5', 'ip rule del from 1.2.3.4',
    'ip rule del fwmark 0x1/0x1', 'ip rule del iif eth1', 'ip rule del to 10.9.0.0/16',
  ].map((l) => step(l)),
  'link down and up': [
    'ip route add 10.9.0.0/16 via 10.0.1.1', 'ip route add 10.8.0.0/16 dev eth0 table 100', 'ip route add 10.7.0.0/16 via 10.0.2.1',
    'ip neigh add 10.0.1.9 lladdr 02:00:00:00:00:09 dev eth0', 'ip neigh replace 10.0.1.8 lladdr 02:00:00:00:00:08 dev eth0 nud stale',
    'ip neigh add 10.0.2.9 lladdr 02:00:00:00:00:19 dev eth1', 'ip neigh replace 10.0.2.8 lladdr 02:00:00:00:00:18 dev eth1 nud stale',
    'ip neigh replace 10.0.2.7 lladdr 02:00:00:00:00:17 dev eth1 nud noarp', 'ip addr add 10.0.1.3/24 dev eth0', 'ip link set eth0 down',
    'ip route add 10.6.0.0/16 dev eth0', 'ip route add 10.6.0.0/16 via 10.0.1.1', 'ip route add 10.6.0.0/16 via 10.0.1.1 dev eth0 onlink',
    'b: ip link set eth1 down', 'ip link set dev eth0 up', 'ip link set nosuch up',
  ].map((l) => step(l)),
  'addresses': [
    'ip addr add 10.0.1.3/24 dev eth0', 'ip addr add 10.0.1.3/24 dev eth0', 'ip addr add 10.0.5.1/16 dev eth0', 'ip addr add 10.0.1.4/24 dev eth0',
    'ip route add 10.9.0.0/16 via 10.0.1.1 src 10.0.1.3', 'ip addr del 10.0.1.3/24 dev eth0', 'ip addr del 10.0.9.9/24 dev eth0',
    'ip addr del 10.0.1.2/24 dev eth0', 'ip addr add 10.0.1.2/24 dev eth0', 'ip addr add 10.0.1.5/24 dev eth0', 'ip addr add 10.0.1.6/24 dev eth0',
    'sysctl -w net.ipv4.conf.eth0.promote_secondaries=1', 'ip addr del 10.0.1.2/24 dev eth0', 'ip addr del 10.0.2.2/24 dev eth1',
    'ip addr add 127.0.0.2/8 dev lo', 'ip addr add 10.0.7.7/32 dev eth1',
  ].map((l) => step(l)),
  'neighbours': [
    'ip neigh add 10.0.1.9 lladdr 02:00:00:00:00:09 dev eth0', 'ip neigh add 10.0.1.9 lladdr 02:00:00:00:00:09 dev eth0',
    'ip neigh del 10.0.1.8 dev eth0', 'ip neigh change 10.0.1.8 lladdr 02:00:00:00:00:08 dev eth0',
    'ip neigh replace 10.0.1.8 lladdr 02:00:00:00:00:08 dev eth0 nud reachable', 'ip neigh replace 10.0.1.7 lladdr 02:00:00:00:00:07 dev eth0 nud stale',
    'ip neigh add 10.0.2.7 lladdr 02:00:00:00:00:17 dev eth1 nud noarp', 'ip neigh flush dev eth0', 'ip neigh add 10.0.9.9 dev nosuch lladdr 02:00:00:00:00:01',
    'ip neigh change 10.0.1.9 lladdr 02:00:00:00:00:99 dev eth0', 'ip neigh del 10.0.1.9 dev eth0', 'ip neigh add 10.0.1.6 lladdr 02:00:00:00:00:06 dev eth0 nud reachable',
    'ip neigh flush to 10.0.1.0/24', 'ip neigh flush all nud noarp',
  ].map((l) => step(l)),
  'iptables commands': [
    'iptables -A FORWARD -j DROP', 'iptables -D FORWARD -j ACCEPT', 'iptables -D FORWARD 3', 'iptables -A NOPE -j DROP',
    'iptables -I FORWARD 5 -j ACCEPT', 'iptables -I FORWARD -p tcp --dport 80 -m comment --comment "web in" -j ACCEPT',
    'iptables -R FORWARD 2 -j REJECT', 'iptables -R FORWARD 4 -j ACCEPT', 'iptables -N FOO', 'iptables -N FOO', 'iptables -X BAR',
    'iptables -A FORWARD -j FOO', 'iptables -X FOO', 'iptables -P FOO DROP', 'iptables -A FOO -s 10.0.0.0/8,192.168.0.0/16 -j RETURN',
    'iptables -D FORWARD -p tcp --dport 80 -m comment --comment "web in" -j ACCEPT', 'iptables -P FORWARD DROP', 'iptables -Z',
    'iptables -F NOPE', 'iptables -t nat -A POSTROUTING -s 10.0.1.0/24 -o eth1 -j MASQUERADE', 'iptables -t nat -N KUBE-SVC',
    'iptables -t nat -I PREROUTING -d 10.96.0.1/32 -p udp --dport 53 -j KUBE-SVC', 'iptables -t nat -A KUBE-SVC -j DNAT --to-destination 10.0.2.1:5353',
    'iptables -t mangle -A PREROUTING -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT', 'iptables -F', 'iptables -X', 'iptables -t nat -F KUBE-SVC',
    'iptables -t raw -A PREROUTING -p udp -j NOTRACK', 'iptables -D FORWARD 1',
    `iptables -A INPUT -m comment --comment 'two words' -j ACCEPT`, `iptables -A INPUT -m comment --comment "it's" -j ACCEPT`,
    'iptables -D INPUT -m comment --comment "two words" -j ACCEPT',
  ].map((l) => step(l)),
  'iptables-restore': [
    step('iptables -A INPUT -j ACCEPT'),
    step('iptables-restore --noflush', '*filter\n:KUBE-FW - [0:0]\n-A FORWARD -j KUBE-FW\n-A KUBE-FW -p tcp --dport 22 -j DROP\nCOMMIT\n'),
    step('iptables-restore --noflush', '*filter\n:KUBE-FW - [0:0]\n-A KUBE-FW -p tcp --dport 23 -j DROP\nCOMMIT\n*nat\n:POSTROUTING ACCEPT [0:0]\n-A POSTROUTING -o eth1 -j MASQUERADE\nCOMMIT\n'),
    step('iptables-restore -n', '*filter\n-A FORWARD -j NOPE\nCOMMIT\n'),
    step('iptables-restore', '*filter\n:INPUT DROP [0:0]\n-A OUTPUT -j ACCEPT\nCOMMIT\n'),
  ],
  'tables, rules and route types': [
    'ip route replace 10.0.1.0/24 dev eth0', 'ip route add 10.9.0.0/16 via 10.0.1.1 table 100', 'ip rule add to 10.9.0.0/16 lookup 100',
    'ip route add 10.8.0.0/16 via 10.9.0.1 table 100', 'ip route add 10.8.0.0/16 via 10.0.2.1 dev eth1 table 100',
    'ip rule add not from 10.0.0.0/8 lookup main pref 10', 'ip rule del from 10.0.0.0/8 pref 10', 'ip rule add from 10.0.0.0/8 lookup main pref 10',
    'ip rule del not from 10.0.0.0/8 pref 10', 'ip route add 10.5.0.0/16 via 10.0.1.1 metric 100', 'ip route del 10.5.0.0/16 metric 99',
    'ip route del 10.5.0.0/16 metric 100', 'ip route add unreachable 10.4.0.0/16', 'ip route del 10.4.0.0/16 dev eth0',
    'ip route del unreachable 10.4.0.0/16', 'ip route add prohibit 10.4.0.0/16 table 100', 'ip route add throw 10.2.0.0/16 table 100',
    'ip route add 10.3.0.0/16 via 10.0.1.1 mtu 1400', 'ip route change 10.3.0.0/16 via 10.0.1.1 mtu 1300',
    'ip route add 10.3.0.0/16 via 10.0.1.1 metric 1 scope link', 'ip route del 10.3.0.0/16 scope link',
    'ip route add 10.1.0.0/16 dev eth0 src 10.0.2.2', 'ip route del 10.1.0.0/16 src 10.0.1.2', 'ip route del 10.1.0.0/16 proto boot',
  ].map((l) => step(l)),
  'bridge port down and up': [
    'ip link set p2 down', 'ip link set p2 up', 'ip link set br0 down', 'ip link set br0 up', 'ip link set q2 up',
  ].map((l) => step(l)),
  'conntrack -D filters on entries put in place': [
    step('iptables -t nat -A POSTROUTING -o eth1 -j MASQUERADE'),
    ctInsert('udp 10.0.1.2 5000 10.0.1.1 53'), ctInsert('udp 10.0.1.2 5001 10.0.1.1 53 RA 5'), ctInsert('udp 10.0.1.2 5002 10.0.3.3 53 R 6'),
    ctInsert('tcp 10.0.1.2 40000 10.0.2.1 80 R 0 ESTABLISHED'), ctInsert('tcp 10.0.1.2 40001 10.0.2.1 80 RA 1 TIME_WAIT'),
    ctInsert('tcp 10.0.1.2 40002 10.0.2.1 443 RA 3 ESTABLISHED'), ctInsert('udp 10.0.1.9 6000 10.0.2.1 123'),
    ...['conntrack -D -m 5/7', 'conntrack -D -m 1/1', 'conntrack -D -p tcp --state CLOSE', 'conntrack -D -p tcp --state TIME_WAIT',
      'conntrack -D -d 10.0.3.0/24', 'conntrack -D -p udp --sport 5000', 'conntrack -D -p tcp --reply-port-src 443 -u ASSURED',
      'conntrack -D -r 10.0.2.1 -p udp', 'conntrack -D -q 10.0.1.3', 'conntrack -D -w 1', 'conntrack -D -u SEEN_REPLY -p tcp --dport 8080',
      'conntrack -D -p udp'].map((l) => step(l)),
  ],
  'conntrack and sysctl': [
    'conntrack -D -p udp', 'conntrack -F', 'conntrack -D', 'iptables -t nat -A POSTROUTING -o eth1 -j MASQUERADE', 'conntrack -D -p tcp --dport 80',
    'conntrack -F', 'sysctl -w net.ipv4.ip_forward=1', 'sysctl -w net.ipv4.conf.eth9.rp_filter=1', 'sysctl -w net.ipv4.conf.eth0.rp_filter=2',
    'sysctl -w net.netfilter.nf_conntrack_tcp_be_liberal=1',
  ].map((l) => step(l)),
};

interface Outcome {
  ok: boolean;
  message: string;
}

/** The state the test compares, from either side. */
interface Dump {
  route: string;
  rule: string;
  neigh: string;
  iptables: string;
  /** `conntrack -L` TCP and UDP lines, seconds left left out (the runs take their time), sorted. */
  conntrack: string;
  /**
   * The entries added by hand to the bridge's table (`master br0 static`): learned ones come from the IPv6
   * traffic a real namespace sends on its own, and the ports' local entries carry MACs the kernel picks.
   */
  fdb: string;
}

function sortedLines(text: string): string {
  return text.split('\n').filter((l) => l !== '').sort().map((l) => `${l}\n`).join('');
}

/** TCP and UDP entries only: a real namespace tracks the IGMP its bridge sends on its own. */
function ctLines(text: string): string {
  return sortedLines(text.split('\n').filter((l) => /^(tcp|udp) /.test(l)).map((l) => l.replace(/^(\S+\s+\d+) \d+ /, '$1 T ')).join('\n'));
}

function masterLines(text: string): string {
  return sortedLines(text.split('\n').filter((l) => / master br0 static\s*$/.test(l)).join('\n'));
}

function emulatorDump(n: Netns): Dump {
  return {
    route: showRoute(n, 'all'), rule: showRule(n), neigh: sortedLines(showNeigh(n)), iptables: n.nf ? printSave(n.nf.ruleset) : '',
    fdb: masterLines(showFdb(n)),
    conntrack: ctLines(n.nf ? n.nf.conntrack.entries(0).map((e) => formatEntry(e, 0)).join('\n') : ''),
  };
}

function kernelDump(real: string): Dump {
  const out = (args: string[]): string => runSync('ip', ['-n', real, ...args], TIMEOUT_MS).out;
  const save = runSync('ip', ['netns', 'exec', real, 'iptables-save'], TIMEOUT_MS).out;
  return {
    route: out(['-4', 'route', 'show', 'table', 'all']),
    rule: out(['-4', 'rule', 'show']),
    neigh: sortedLines(out(['-4', 'neigh', 'show'])),
    // Chain counters count what a real namespace sends on its own (IGMP reports of the bridge): not compared.
    iptables: save.split('\n').filter((l) => !l.startsWith('#')).map((l) => l.replace(/ \[\d+:\d+\]$/, ' [0:0]')).join('\n'),
    fdb: masterLines(runSync('bridge', ['-n', real, 'fdb', 'show'], TIMEOUT_MS).out),
    conntrack: ctLines(runSync('ip', ['netns', 'exec', real, 'conntrack', '-L', '-f', 'ipv4'], TIMEOUT_MS).out),
  };
}

/** The first line a tool printed on stderr, which is what it says went wrong. */
function firstLine(text: string): string {
  return text.split('\n').map((l) => l.trim()).find((l) => l !== '') ?? '';
}

interface SequenceResult {
  commands: Array<{ step: Step; kernel: Outcome; ours: Outcome }>;
  kernel: Dump;
  ours: Dump;
}

function runSequence(steps: readonly Step[], prefix: string, hasDummy: boolean): SequenceResult {
  const world = buildWorld(SPEC);
  const real = (name: string): string => `${prefix}${name}`;
  const { up, down } = realizeCommands(SPEC, prefix, oracleRealizeOptions(hasDummy));
  try {
    for (const line of up) {
      const r = runSync('sh', ['-c', line], TIMEOUT_MS);
      if (r.code !== 0) throw new Error(`realizing failed: ${line}: ${r.err}`);
    }
    const commands = steps.map((s) => {
      if (s.insert) {
        emulatorInsert(world.netns(s.netns)!, s.insert);
        const r = runSync('sh', ['-c', kernelInsert(real(s.netns), s.insert)], TIMEOUT_MS);
        if (r.code !== 0) throw new Error(`conntrack -I failed: ${r.err}`);
        return { step: s, kernel: { ok: true, message: '' }, ours: { ok: true, message: '' } };
      }
      const parsed = parseCommand(s.text, s.stdin);
      // A command the parser refuses is compared with what the tool says of it (`ip route flush` alone).
      const lines = parsed.ok ? applyCommand(world.netns(s.netns)!, parsed.command, 0) : parsed.errors.map((e) => e.message);
      const shell = parsed.ok ? realizeCommand(real(s.netns), parsed.command) : `ip netns exec ${real(s.netns)} ${s.text}`;
      const r = runSync('sh', ['-c', shell], TIMEOUT_MS);
      const kernel = { ok: r.code === 0, message: r.code === 0 ? '' : firstLine(r.err) };
      // A parse error is located text, not the tool's whole line: it must be part of what the tool said.
      const message = firstLine(lines.join('\n'));
      const ours = { ok: lines.length === 0, message: !parsed.ok && kernel.message.includes(message) ? kernel.message : message };
      return { step: s, kernel, ours };
    });
    // Carrier changes reach the FIB through linkwatch, up to a second later (linkwatch_schedule_work()); the
    // emulator shows the settled state at once.
    runSync('sleep', ['1.2'], 5000);
    return { commands, kernel: kernelDump(real('a')), ours: emulatorDump(world.netns('a')!) };
  } finally {
    for (const line of down) runSync('sh', ['-c', line], TIMEOUT_MS);
  }
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code !== 'ESRCH';
  }
}

const unavailable = kernelUnavailable(`${PREFIX_BASE}probe`);
if (unavailable !== undefined) console.warn(`tool commands kernel agreement test ${REQUIRED ? 'cannot run' : 'skipped'}: ${unavailable}`);

if (REQUIRED && unavailable !== undefined) {
  describe('tool commands kernel agreement (PACKETWALK_KERNEL=required)', () => {
    it('has a kernel to test against', () => {
      expect.fail(`PACKETWALK_KERNEL=required but the kernel cannot be used: ${unavailable}`);
    });
  });
}

describe.skipIf(unavailable !== undefined)(`tool commands agree with the kernel${unavailable !== undefined ? ` (skipped: ${unavailable})` : ''}`, () => {
  const results = new Map<string, SequenceResult>();

  beforeAll(() => {
    for (const n of netnsNames()) {
      const m = new RegExp(`^${STEM}(\\d+)x`).exec(n);
      if (m && Number(m[1]) !== process.pid && !pidAlive(Number(m[1])) && runSync('ip', ['netns', 'pids', n], 5000).out.trim() === '') {
        runSync('ip', ['netns', 'del', n], 5000);
      }
    }
    const hasDummy = kernelHasDummy(`${PREFIX_BASE}dummy`);
    let i = 0;
    for (const [name, steps] of Object.entries(SEQUENCES)) results.set(name, runSequence(steps, `${PREFIX_BASE}${i++}-`, hasDummy));
  }, 300_000);

  afterAll(() => {
    for (const n of netnsNames().filter((x) => x.startsWith(PREFIX_BASE))) runSync('ip', ['netns', 'del', n], 5000);
  });

  for (const name of Object.keys(SEQUENCES)) {
    it(`${name}: each command succeeds or fails as on the kernel, with its message`, () => {
      const r = results.get(name)!;
      const differ = r.commands.filter((c) => c.kernel.ok !== c.ours.ok || c.kernel.message !== c.ours.message);
      expect(differ.map((c) => ({ command: `${c.step.netns}: ${c.step.text}`, kernel: c.kernel, ours: c.ours }))).toEqual([]);
      // Each sequence holds commands that succeed and commands that fail.
      expect(new Set(r.commands.map((c) => c.kernel.ok)).size).toBe(2);
    });

    it(`${name}: ip route, ip rule, ip neigh, bridge fdb, conntrack and iptables-save print the same afterwards`, () => {
      const r = results.get(name)!;
      expect(r.ours).toEqual(r.kernel);
    });
  }
});
