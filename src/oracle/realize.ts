// Realize a WorldSpec in real network namespaces: the `ip`, `bridge`, `sysctl` and `iptables-restore` commands
// that build it one to one, in the order the kernel needs (a device before its addresses, a bridge before its
// ports, an address before the routes through it). Pure: this file only writes text; running it is the
// caller's business (`net realize`, the kernel differential test).

import type { FdbSpec, LinkSpec, ListenSpec, NetnsSpec, RouteSpec, WorldSpec } from '../kernel/netns/world-spec.js';
import { RT_TABLE_LOCAL, RT_TABLE_MAIN } from '../kernel/netns/world-spec.js';
import { formatIpv4 } from '../wire/ipv4-addr.js';
import { conntrackInsertArgs } from './realize-conntrack.js';

export interface RealizeCommands {
  /** Build the world, in order. One entry is one shell command (the iptables one carries a heredoc). */
  up: string[];
  /** Delete exactly the namespaces `up` made; deleting a namespace destroys its devices. */
  down: string[];
}

export interface RealizeOptions {
  /**
   * Sysctls written in every namespace before its devices exist and before the spec's own, so that values a
   * new namespace would otherwise copy from the root namespace (devconf_inherit_init_net=0) are pinned.
   * A key the namespace sets itself wins.
   */
  baselineSysctls?: Readonly<Record<string, number>>;
  /**
   * For kernels built without the dummy driver (`ip link add type dummy` answers "Unknown device type"):
   * each dummy becomes a NOARP veth whose peer waits, up and unconfigured, in one extra namespace
   * `${prefix}_sink`. Like a dummy it has carrier, never resolves neighbours and swallows what it sends.
   */
  dummyAsVeth?: boolean;
  /** What the printed script does when run without an argument (`bash SCRIPT`); `up` unless given. */
  defaultAction?: 'up' | 'down';
  /**
   * A timeline's steps as shell lines (realize-timeline.ts): the script then has a `timeline` action that runs
   * them in order on the world `up` built.
   */
  timeline?: readonly string[];
  /**
   * Namespaces that exist already (realize-reconcile.ts builds what a cluster change adds onto a live world):
   * they are not added, their lo and `all`/`default` sysctls are left as they are; what `spec` lists for them
   * (new devices, addresses, routes...) is added.
   */
  existing?: ReadonlySet<string>;
  /** More namespaces (spec names) the script's `down` deletes: those a timeline's Cluster changes may add. */
  alsoDown?: readonly string[];
}

/**
 * A short namespace prefix for a world: `pw-` and the initials of its name's words (`nat-router` gives
 * `pw-nr-`), so that `ip netns list` shows at a glance which world a namespace belongs to.
 */
export function defaultPrefix(worldName: string): string {
  const initials = worldName.toLowerCase().split(/[^a-z0-9]+/).filter((w) => w !== '').map((w) => w[0]).join('').slice(0, 6);
  return `pw-${initials === '' ? 'w' : initials}-`;
}

/** A prefix must make names `ip netns add` accepts (a file name in /run/netns) and the shell need not quote. */
export function prefixProblem(prefix: string): string | undefined {
  if (!/^[A-Za-z0-9][A-Za-z0-9_.-]{0,31}$/.test(prefix)) {
    return `bad prefix "${prefix}": 1 to 32 of A-Z a-z 0-9 _ . -, starting with a letter or digit`;
  }
  return undefined;
}

/** The extra namespace of `dummyAsVeth`; `_` keeps it apart from names a scenario may use. */
export function dummySinkNetns(prefix: string): string {
  return `${prefix}_sink`;
}

/** The heredoc delimiter of iptables-restore input; a line equal to it would end the input early. */
const IPTABLES_EOF = 'PACKETWALK_IPTABLES_EOF';

/**
 * The shell commands that build `spec` with every namespace named `${prefix}${name}`, and those that remove it.
 * Linux: veth pairs are created with both ends already in their namespaces (`peer name P netns NS2`), so no
 * device ever appears in the namespace the commands run from.
 */
export function realizeCommands(spec: WorldSpec, prefix: string, opts: RealizeOptions = {}): RealizeCommands {
  const ns = (name: string): string => `${prefix}${name}`;
  const up: string[] = [];
  const namespaces = spec.namespaces;
  const sink = opts.dummyAsVeth === true && namespaces.some((n) => n.links.some(isDummyLike))
    ? { netns: dummySinkNetns(prefix), next: 0 }
    : undefined;

  const fresh = (n: NetnsSpec): boolean => opts.existing?.has(n.name) !== true;
  for (const n of namespaces) if (fresh(n)) up.push(`ip netns add ${shq(ns(n.name))}`);
  if (sink !== undefined) up.push(`ip netns add ${shq(sink.netns)}`);
  for (const n of namespaces) {
    if (!fresh(n)) continue;
    up.push(`${ipn(ns(n.name))} link set lo up`);
    const globals = globalSysctls(n, opts.baselineSysctls ?? {});
    if (globals.length > 0) up.push(sysctlCommand(ns(n.name), globals));
  }

  // Devices: bridges, dummies and veth pairs first, with their MAC and MTU; then vxlan devices, which take
  // their MTU from the underlay `dev` when created (vxlan_config_apply()); then bridge membership.
  const made = new Set<string>();
  for (const n of namespaces) {
    for (const link of n.links) {
      if (isDummyLike(link) && sink !== undefined) for (const c of dummyAsVeth(ns(n.name), link.name, sink)) up.push(c);
      else if (link.type !== 'vxlan') for (const c of linkAdd(n.name, link, ns, made)) up.push(c);
    }
  }
  for (const n of namespaces) for (const c of macAndMtu(n.links.filter((l) => l.type === 'veth' || l.type === 'loopback' || isDummyLike(l)), ns(n.name))) up.push(c);
  for (const n of namespaces) {
    for (const link of n.links) if (link.type === 'vxlan') for (const c of linkAdd(n.name, link, ns, made)) up.push(c);
  }
  for (const n of namespaces) for (const c of macAndMtu(n.links.filter((l) => l.type === 'vxlan'), ns(n.name))) up.push(c);
  for (const n of namespaces) for (const c of bridgePorts(n, ns(n.name))) up.push(c);
  for (const n of namespaces) {
    const perDevice = Object.entries(n.sysctls).filter(([k]) => isPerDeviceSysctl(k));
    if (perDevice.length > 0) up.push(sysctlCommand(ns(n.name), perDevice));
  }
  for (const n of namespaces) {
    for (const link of n.links) if (link.up !== false) up.push(`${ipn(ns(n.name))} link set dev ${shq(link.name)} up`);
  }
  for (const n of namespaces) {
    for (const link of n.links) {
      for (const a of link.addresses) {
        const scope = a.scope !== undefined ? ` scope ${a.scope}` : '';
        up.push(`${ipn(ns(n.name))} addr add ${formatIpv4(a.addr)}/${a.len} dev ${shq(link.name)}${scope}`);
      }
    }
  }
  for (const n of namespaces) {
    const at = ipn(ns(n.name));
    for (const r of n.routes) up.push(`${at} route add ${routeWords(r)}`);
    for (const r of n.rules) up.push(`${at} rule add ${words(r.text)}`);
    for (const e of n.neigh) up.push(`${at} neigh add ${words(e.text)}`);
    for (const c of fdbCommands(n, ns(n.name))) up.push(c);
  }
  // Sets before the rules that name them: iptables-restore refuses `--match-set` of a set not yet created.
  for (const n of namespaces) for (const c of ipsetCommands(n, ns(n.name))) up.push(c);
  for (const n of namespaces) {
    if (n.iptables !== undefined && n.iptables.trim() !== '') up.push(iptablesRestore(ns(n.name), n.iptables));
  }
  // Stated connections last: NAT setup of `conntrack -I` needs nf_nat, which the nat table loads.
  for (const n of namespaces) {
    for (const e of n.conntrack ?? []) up.push(`ip netns exec ${shq(ns(n.name))} conntrack ${conntrackInsertArgs(e).map(shq).join(' ')}`);
  }

  const down = namespaces.map((n) => `ip netns del ${shq(ns(n.name))}`);
  for (const n of opts.alsoDown ?? []) if (!namespaces.some((x) => x.name === n)) down.push(`ip netns del ${shq(ns(n))}`);
  if (sink !== undefined) down.push(`ip netns del ${shq(sink.netns)}`);
  return { up, down };
}

/** See RealizeOptions.dummyAsVeth. */
function dummyAsVeth(netns: string, name: string, sink: { netns: string; next: number }): string[] {
  const peer = `d${sink.next++}`;
  return [
    `${ipn(netns)} link add ${shq(name)} type veth peer name ${peer} netns ${shq(sink.netns)}`,
    `${ipn(netns)} link set dev ${shq(name)} arp off`,
    `${ipn(sink.netns)} link set dev ${peer} up`,
  ];
}

/** Where the printed script keeps the PIDs of the listeners it started, one a line; `down` kills exactly these. */
export function listenerPidFile(prefix: string): string {
  return `/run/packetwalk/${prefix}listeners.pids`;
}

/** A listener that accepts each connection and closes it at once, on a socket made with `socketArgs`. */
function acceptLoop(socketArgs: string): string {
  return [
    '',
    'import socket, sys',
    `s = socket.socket(socket.AF_INET, ${socketArgs})`,
    's.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)',
    's.bind((sys.argv[1], int(sys.argv[2])))',
    's.listen(128)',
    'while True:',
    '    s.accept()[0].close()',
    '',
  ].join('\n');
}

/**
 * Listener programs, given ADDR PORT. TCP accepts and closes at once: the handshake is what a probe checks.
 * UDP echoes each datagram to its sender. Neither contains a single quote, so each is one quoted shell word.
 */
const LISTENER_PROGRAMS: Readonly<Record<ListenSpec['proto'], string>> = {
  tcp: acceptLoop('socket.SOCK_STREAM'),
  udp: [
    '',
    'import socket, sys',
    's = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)',
    's.bind((sys.argv[1], int(sys.argv[2])))',
    'while True:',
    '    data, peer = s.recvfrom(65535)',
    '    s.sendto(data, peer)',
    '',
  ].join('\n'),
  // needs the sctp module (modprobe sctp); the kernel answers INIT with INIT ACK on its own.
  sctp: acceptLoop('socket.SOCK_STREAM, socket.IPPROTO_SCTP'),
};

/**
 * The shell commands that start the world's `listen:` sockets, each a python3 process in the background inside
 * its namespace whose PID goes to `listenerPidFile(prefix)`, and the one that stops them. Only the printed
 * script runs them (the verify library opens its own); they call the shell functions of LISTENER_FUNCTIONS.
 * Their stdio is /dev/null so that a caller reading the script's output is not held open by them.
 */
export function listenerCommands(spec: WorldSpec, prefix: string): RealizeCommands {
  const pidFile = shq(listenerPidFile(prefix));
  const up: string[] = [];
  for (const n of spec.namespaces) {
    const netns = shq(`${prefix}${n.name}`);
    for (const l of n.listen) {
      const program = shq(LISTENER_PROGRAMS[l.proto]);
      up.push(`ip netns exec ${netns} python3 -c ${program} ${formatIpv4(l.addr)} ${l.port} </dev/null >/dev/null 2>&1 &`);
      up.push(`echo $! >>${pidFile}`);
      up.push(`await_listener ${netns} ${l.proto} ${l.port} $!`);
    }
  }
  if (up.length === 0) return { up: [], down: [] };
  return { up: [`mkdir -p ${shq(LISTENER_PID_DIR)}`, ...up], down: [`stop_listeners ${pidFile}`] };
}

const LISTENER_PID_DIR = '/run/packetwalk';

/** Shell functions the listener commands call; the script defines them only when the world has listeners. */
const LISTENER_FUNCTIONS = [
  '# A zombie counts as gone: an orphan is reaped by whoever the system made its parent, maybe never.',
  'listener_alive() {',
  '  local stat',
  '  stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1',
  '  stat=${stat##*) }',
  '  [ "${stat%% *}" != Z ]',
  '}',
  '',
  'any_listener_alive() {',
  '  local p',
  '  for p in "$@"; do if listener_alive "$p"; then return 0; fi; done',
  '  return 1',
  '}',
  '',
  '# await_listener NS PROTO PORT PID: up to 5 s for PID to hold the socket; fails if it exits first.',
  'await_listener() {',
  '  local i',
  '  for i in $(seq 50); do',
  '    if ! listener_alive "$4"; then echo "realize: the $2/$3 listener in $1 exited" >&2; return 1; fi',
  // `grep .` reads to the end: `grep -q` could leave ss a SIGPIPE, which pipefail would count as a failure.
  '    if ip netns exec "$1" ss -Hnl "--$2" "sport = :$3" | grep . >/dev/null; then return 0; fi',
  '    sleep 0.1',
  '  done',
  '  echo "realize: the $2/$3 listener in $1 is not listening after 5 s" >&2',
  '  return 1',
  '}',
  '',
  '# stop_listeners FILE: SIGTERM to exactly the PIDs FILE lists, up to 3 s for them to go, SIGKILL to the rest.',
  'stop_listeners() {',
  '  [ -f "$1" ] || return 0',
  '  local pids p i',
  '  pids=$(cat "$1")',
  '  for p in $pids; do kill "$p" 2>/dev/null || true; done',
  '  for i in $(seq 30); do',
  '    if ! any_listener_alive $pids; then break; fi',
  '    sleep 0.1',
  '  done',
  '  for p in $pids; do if listener_alive "$p"; then kill -9 "$p" 2>/dev/null || true; fi; done',
  '  rm -f "$1"',
  `  rmdir ${LISTENER_PID_DIR} 2>/dev/null || true`,
  '}',
  '',
];

/**
 * A bash script with `up` and `down` functions; `up` runs by default and a failing command tears down what
 * was built (`trap down ERR`). `up` also starts the world's listeners (listenerCommands), `down` stops them
 * before it deletes the namespaces. This is what `net realize` prints.
 */
export function renderRealizeScript(spec: WorldSpec, prefix: string, opts: RealizeOptions = {}): string {
  const world = realizeCommands(spec, prefix, opts);
  const listeners = listenerCommands(spec, prefix);
  const up = [...world.up, ...listeners.up];
  const down = [...listeners.down, ...world.down];
  const needs = `Needs root, iproute2 and iptables (and ipset for sets, conntrack for stated connections)${listeners.up.length > 0 ? ', and python3 for the listeners' : ''}.`;
  const lines = [
    '#!/usr/bin/env bash',
    `# packetwalk realize: world ${JSON.stringify(spec.name)}, namespaces prefixed ${JSON.stringify(prefix)}.`,
    `# Usage: bash SCRIPT [up|down], or piped: net realize FILE | bash -s [up|down]. ${needs}`,
    ...(opts.timeline !== undefined ? ['# After up, `timeline` runs the scenario\'s timeline: its commands in order, sleeps for real; it says where each trace goes.'] : []),
    ...(listeners.up.length > 0 ? [`# Listener PIDs are kept in ${listenerPidFile(prefix)}; down kills exactly those.`] : []),
    'set -euo pipefail',
    '# errtrace: the ERR trap also fires for commands inside up().',
    'set -o errtrace',
    '',
    ...(listeners.up.length > 0 ? LISTENER_FUNCTIONS : []),
    'down() {',
    ...down.map((c) => `  ${c} 2>/dev/null || true`),
    '}',
    '',
    'up() {',
    // Only the first line of a command is indented: a heredoc's body and delimiter must stay as written.
    ...up.map((c) => `  ${c}`),
    '}',
    '',
    ...(opts.timeline !== undefined ? ['timeline() {', ...opts.timeline.map((c) => `  ${c}`), '}', ''] : []),
    `case "\${1:-${opts.defaultAction ?? 'up'}}" in`,
    '  up)',
    `    trap 'echo "realize: failed: $BASH_COMMAND" >&2; trap - ERR; down; exit 1' ERR`,
    '    up',
    '    ;;',
    '  down) down ;;',
    ...(opts.timeline !== undefined ? ['  timeline) timeline ;;'] : []),
    `  *) echo "usage: $0 [up|down${opts.timeline !== undefined ? '|timeline' : ''}]" >&2; exit 2 ;;`,
    'esac',
    '',
  ];
  return lines.join('\n');
}

/**
 * An external link is built as a dummy: what it sends is discarded and nothing answers, which is what the
 * world's edge looks like from inside (the emulator's EXITS_NETWORK compares with a timeout).
 */
function isDummyLike(link: LinkSpec): boolean {
  return link.type === 'dummy' || link.type === 'external';
}

function ipn(netns: string): string {
  return `ip -n ${shq(netns)}`;
}

/** `ip link add` for one device; a veth pair is made once, from whichever end comes first. */
function linkAdd(netns: string, link: LinkSpec, ns: (n: string) => string, made: Set<string>): string[] {
  const key = `${netns}/${link.name}`;
  if (made.has(key)) return [];
  made.add(key);
  const at = `${ipn(ns(netns))} link add ${shq(link.name)}`;
  switch (link.type) {
    case 'loopback':
      // lo comes with the namespace (and is set up first, which gives it 127.0.0.1/8).
      return [];
    case 'dummy':
    case 'external':
      return [`${at} type dummy`];
    case 'bridge':
      // IFLA_BR_AGEING_TIME is in clock_t (1/100 s), which is what iproute2 passes through.
      return [`${at} type bridge${link.ageingTime !== undefined ? ` ageing_time ${link.ageingTime * 100}` : ''}`];
    case 'veth': {
      const peer = link.peer ?? { netns, dev: `${link.name}-peer` };
      made.add(`${peer.netns}/${peer.dev}`);
      const where = peer.netns === netns ? '' : ` netns ${shq(ns(peer.netns))}`;
      return [`${at} type veth peer name ${shq(peer.dev)}${where}`];
    }
    case 'vxlan': {
      const v = link.vxlan;
      if (v === undefined) throw new Error(`invariant: vxlan link ${key} without vxlan settings`);
      const parts = [`${at} type vxlan id ${v.id} dstport ${v.dstport}`];
      if (v.local !== undefined) parts.push(`local ${formatIpv4(v.local)}`);
      if (v.remote !== undefined) parts.push(`remote ${formatIpv4(v.remote)}`);
      if (v.dev !== undefined) parts.push(`dev ${shq(v.dev)}`);
      if (!v.learning) parts.push('nolearning');
      return [parts.join(' ')];
    }
  }
}

function macAndMtu(links: LinkSpec[], netns: string): string[] {
  const at = ipn(netns);
  const out: string[] = [];
  for (const l of links) {
    if (l.mac !== undefined) out.push(`${at} link set dev ${shq(l.name)} address ${l.mac}`);
    if (l.mtu !== undefined) out.push(`${at} link set dev ${shq(l.name)} mtu ${l.mtu}`);
  }
  return out;
}

/**
 * Bridge membership and port flags, then the bridges' own MAC and MTU: an MTU given for a bridge is set after
 * its ports joined, so it is the one the bridge ends with (br_mtu_auto_adjust() stops once the user set it).
 */
function bridgePorts(n: NetnsSpec, netns: string): string[] {
  const at = ipn(netns);
  const out: string[] = [];
  for (const l of n.links) {
    if (l.master === undefined) continue;
    out.push(`${at} link set dev ${shq(l.name)} master ${shq(l.master)}`);
    if (l.hairpin !== undefined) out.push(`bridge -n ${shq(netns)} link set dev ${shq(l.name)} hairpin ${onOff(l.hairpin)}`);
    if (l.learning !== undefined) {
      out.push(`bridge -n ${shq(netns)} link set dev ${shq(l.name)} learning ${onOff(l.learning)}`);
    }
  }
  for (const c of macAndMtu(n.links.filter((l) => l.type === 'bridge'), netns)) out.push(c);
  return out;
}

function onOff(flag: boolean): string {
  return flag ? 'on' : 'off';
}

/**
 * Keys that name a device (`net.ipv4.conf.eth0.rp_filter`, `net.ipv4.neigh.eth0.mcast_solicit`) exist only
 * once the device does; `all` and `default` exist from the start.
 */
export function isPerDeviceSysctl(key: string): boolean {
  const m = /^net\.ipv[46]\.(?:conf|neigh)\.([^.]+)\./.exec(key);
  return m !== null && m[1] !== 'all' && m[1] !== 'default';
}

/**
 * Baseline first, then the namespace's own keys that name no device, in the spec's order. They go before any
 * device exists: inetdev_init() copies `conf.default` into each new device.
 */
function globalSysctls(n: NetnsSpec, baseline: Readonly<Record<string, number>>): [string, number][] {
  const own = Object.entries(n.sysctls).filter(([k]) => !isPerDeviceSysctl(k));
  const pinned = Object.entries(baseline).filter(([k]) => !(k in n.sysctls));
  return [...pinned, ...own];
}

export function sysctlCommand(netns: string, entries: [string, number][]): string {
  return `ip netns exec ${shq(netns)} sysctl -qw ${entries.map(([k, v]) => shq(`${k}=${v}`)).join(' ')}`;
}

/**
 * The route as written; `table` is added when the spec puts the route elsewhere than `ip route add` would
 * by itself (iproute_modify(): local and broadcast go to local, the rest to main).
 */
export function routeWords(r: RouteSpec): string {
  const implied = r.type === 'local' || r.type === 'broadcast' ? RT_TABLE_LOCAL : RT_TABLE_MAIN;
  const hasTable = /(^|\s)table\s/.test(r.text);
  if (hasTable || r.table === implied) return words(r.text);
  // A multipath route's nexthops run to the end of the line: its own options go before the first `nexthop`.
  const at = r.nexthops !== undefined ? r.text.search(/(^|\s)nexthop(\s|$)/) : -1;
  return at < 0 ? `${words(r.text)} table ${r.table}` : `${words(r.text.slice(0, at))} table ${r.table} ${words(r.text.slice(at))}`;
}

/**
 * `bridge fdb add`, with `self` or `master` made explicit (iproute2 alone would default to `self`, which
 * for a bridge port writes the port's own unicast list, not the bridge's table). A second entry for the same
 * MAC on the same device (vxlan's all-zeros default destinations) needs `append`.
 */
function fdbCommands(n: NetnsSpec, netns: string): string[] {
  const seen = new Set<string>();
  return n.fdb.map((e: FdbSpec) => {
    const key = `${e.mac}/${e.dev}`;
    const verb = seen.has(key) ? 'append' : 'add';
    seen.add(key);
    const text = /(^|\s)(self|master)(\s|$)/.test(e.text) ? e.text : `${e.text} ${e.self ? 'self' : 'master'}`;
    return `bridge -n ${shq(netns)} fdb ${verb} ${words(text)}`;
  });
}

/** `ipset create` and `ipset add`, run inside the namespace: each network namespace has its own sets. */
function ipsetCommands(n: NetnsSpec, netns: string): string[] {
  const at = `ip netns exec ${shq(netns)} ipset`;
  return (n.ipsets ?? []).flatMap((set) => [
    `${at} create ${shq(set.name)} ${shq(set.type)}`,
    // A `hash:net` member may carry ` nomatch`, ipset's own option word.
    ...set.members.map((m) => `${at} add ${shq(set.name)} ${m.split(' ').map(shq).join(' ')}`),
  ]);
}

export function iptablesRestore(netns: string, text: string, noflush = false): string {
  const body = text.replace(/\s+$/, '');
  if (body.split('\n').includes(IPTABLES_EOF)) {
    throw new Error(`invariant: iptables text of ${netns} contains the heredoc delimiter ${IPTABLES_EOF}`);
  }
  // -w: wait for the xtables lock rather than fail, should the legacy backend share it with a concurrent run.
  return `ip netns exec ${shq(netns)} iptables-restore -w 5${noflush ? ' --noflush' : ''} <<'${IPTABLES_EOF}'\n${body}\n${IPTABLES_EOF}`;
}

/** A line in `ip` syntax, word by word, each quoted for the shell when it has to be. */
export function words(text: string): string {
  return text.trim().split(/\s+/).map(shq).join(' ');
}

/** Quotes a word for bash unless it is made only of characters the shell leaves alone. */
export function shq(word: string): string {
  return /^[A-Za-z0-9_.:/@%+=,-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}
