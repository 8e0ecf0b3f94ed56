// The host side of the kernel oracle: whether real namespaces can be built here, the sysctls that make a new
// namespace start the way the emulator's does, and the few root-namespace commands the oracle runs (`ip netns
// add/del/list`, version queries). Nothing here routes, addresses or configures the root namespace.

import { execFile, spawnSync } from 'node:child_process';

import { DEVCONF_DEFAULTS } from '../kernel/netns/sysctls.js';
import type { WorldSpec } from '../kernel/netns/world-spec.js';
import type { RealizeOptions } from './realize.js';

export interface CommandResult {
  code: number | null;
  out: string;
  err: string;
  /** The command is not installed (ENOENT). */
  missing: boolean;
}

/** Runs a command with a bound on its time; blocks, so only for set-up, teardown and signal handlers. */
export function runSync(cmd: string, args: string[], timeoutMs = 30_000): CommandResult {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: timeoutMs });
  const missing = (r.error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT';
  return { code: r.status, out: r.stdout ?? '', err: r.stderr ?? '', missing };
}

/** The same without blocking the event loop, for work done while probes of other traces are in flight. */
export function runAsync(cmd: string, args: string[], timeoutMs = 30_000): Promise<CommandResult> {
  return new Promise((resolve) => {
    execFile(cmd, args, { encoding: 'utf8', timeout: timeoutMs }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === 'number' ? error.code : null;
      const missing = error !== null && error.code === 'ENOENT';
      resolve({ code, out: stdout, err: stderr, missing });
    });
  });
}

/** Tools the oracle runs; `conntrack` only matters for worlds with iptables rules. */
const TOOLS: [string, string[]][] = [
  ['ip', ['-V']], ['bridge', ['-V']], ['iptables-restore', ['--version']], ['sysctl', ['-V']],
  ['tcpdump', ['--version']], ['ping', ['-V']], ['conntrack', ['--version']], ['timeout', ['--version']],
];

/**
 * Why real namespaces cannot be built here, or undefined when they can. `probeNetns` is a name inside the
 * caller's own prefix, created and deleted again to prove CAP_SYS_ADMIN.
 */
export function kernelUnavailable(probeNetns: string): string | undefined {
  if (process.platform !== 'linux') return `not Linux (${process.platform})`;
  if (process.getuid?.() !== 0) return 'not root: network namespaces need CAP_SYS_ADMIN and CAP_NET_ADMIN';
  const missing = TOOLS.filter(([t, a]) => runSync(t, a, 5000).missing).map(([t]) => t);
  if (missing.length > 0) return `missing tools: ${missing.join(', ')} (install iproute2, iptables, conntrack, tcpdump, iputils-ping)`;
  const r = runSync('ip', ['netns', 'add', probeNetns], 5000);
  if (r.code !== 0) return `cannot create a network namespace: ${r.err.trim()}`;
  runSync('ip', ['netns', 'del', probeNetns], 5000);
  return undefined;
}

/** Whether this kernel has the dummy driver; without it dummies are realized as NOARP veths (realize.ts). */
export function kernelHasDummy(probeNetns: string): boolean {
  if (runSync('ip', ['netns', 'add', probeNetns], 5000).code !== 0) return true;
  const ok = runSync('ip', ['-n', probeNetns, 'link', 'add', 'd0', 'type', 'dummy'], 5000).code === 0;
  runSync('ip', ['netns', 'del', probeNetns], 5000);
  return ok;
}

/** `ip netns list`, names only. */
export function netnsNames(): string[] {
  return runSync('ip', ['netns', 'list'], 5000).out.split('\n').map((l) => l.split(' ')[0]).filter((n) => n !== '');
}

/** The namespaces whose name starts with `prefix`: the only ones an oracle run may touch. */
export function netnsWithPrefix(prefix: string): string[] {
  return netnsNames().filter((n) => n.startsWith(prefix));
}

/**
 * Pinned in every namespace before its devices exist: the emulator's device defaults, which a new namespace
 * would otherwise copy from the root namespace (net.core.devconf_inherit_init_net=0). `forwarding` is left to
 * ip_forward.
 */
export const BASELINE_SYSCTLS: Readonly<Record<string, number>> = Object.fromEntries(
  Object.entries(DEVCONF_DEFAULTS)
    .filter(([k]) => k !== 'forwarding')
    .flatMap(([k, v]) => [[`net.ipv4.conf.all.${k}`, v], [`net.ipv4.conf.default.${k}`, v]]),
);

/** How the oracle realizes a world on this host. */
export function oracleRealizeOptions(hasDummy: boolean): RealizeOptions {
  return { baselineSysctls: BASELINE_SYSCTLS, dummyAsVeth: !hasDummy };
}

/**
 * Every veth peer is inside the world, so nothing built touches the root namespace and no probe can reach an
 * address outside it. Returns the first offending link, or undefined.
 */
export function isolationProblem(spec: WorldSpec): string | undefined {
  const names = new Set(spec.namespaces.map((n) => n.name));
  for (const n of spec.namespaces) {
    for (const l of n.links) {
      if (l.peer !== undefined && !names.has(l.peer.netns)) return `${n.name}/${l.name}: peer ${l.peer.netns} is outside the world`;
    }
  }
  return undefined;
}

export interface HostVersions {
  /** `date -u`, as the run saw it. */
  date: string;
  /** `uname -r`. */
  kernel: string;
  /** `iptables --version`. */
  iptables: string;
}

/** The facts a recorded agreement table is stamped with, each from its own command. */
export function hostVersions(): HostVersions {
  const first = (cmd: string, args: string[]): string => {
    const r = runSync(cmd, args, 5000);
    return (r.code === 0 ? r.out : r.err).trim().split('\n')[0] ?? '';
  };
  return { date: first('date', ['-u', '+%Y-%m-%d %H:%M:%S UTC']), kernel: first('uname', ['-r']), iptables: first('iptables', ['--version']) };
}
