// The tool commands of a timeline: `ip`, `iptables`, `iptables-restore`, `conntrack` and `sysctl` lines parsed
// as the tools parse them, applied to a live namespace with the kernel's semantics, and realized on a real
// kernel with the same text.

import type { Netns } from '../netns/netns.js';
import type { ParsedCommand, ToolError } from './command.js';
import { applyConntrack } from './conntrack.js';
import { applyIpAddr } from './ip-addr.js';
import { applyIpLink } from './ip-link.js';
import { applyIpNeigh, applyIpNeighDel, applyIpNeighFlush } from './ip-neigh.js';
import { applyIpRoute, applyIpRouteFlush } from './ip-route.js';
import { applyIpRule } from './ip-rule.js';
import { applyIptables, applyIptablesRestore } from './iptables.js';
import { parseToolCommand } from './parse.js';
import { applySysctl } from './sysctl.js';

export type {
  ConntrackCommand, ConntrackFilter, IpAddrCommand, IpLinkCommand, IpNeighCommand, IpNeighDelCommand, IpNeighFlushCommand,
  IpRouteCommand, IpRouteFlushCommand, IpRuleCommand, IptablesCommand, IptablesRestoreCommand, ParsedCommand, SysctlCommand,
  ToolError,
} from './command.js';
export { TOOLS } from './parse.js';
export { conntrackMatches } from './conntrack.js';
export { applyIptablesRestore, installRuleset } from './iptables.js';

/** Parses `text` (and `stdin` for iptables-restore) as the tool would, without touching any World. */
export function parseCommand(text: string, stdin?: string): { ok: true; command: ParsedCommand } | { ok: false; errors: ToolError[] } {
  return parseToolCommand(text, stdin);
}

/**
 * Applies a parsed command to a live namespace as the tool would at that moment; returns what the tool prints
 * on stderr when it fails (e.g. "RTNETLINK answers: No such process"), [] on success. `now`: virtual time, ms.
 */
export function applyCommand(ns: Netns, command: ParsedCommand, now: number): string[] {
  switch (command.tool) {
    case 'ip':
      switch (command.object) {
        case 'route':
          return applyIpRoute(ns, command);
        case 'route-flush':
          return applyIpRouteFlush(ns, command);
        case 'rule':
          return applyIpRule(ns, command);
        case 'link':
          return applyIpLink(ns, command);
        case 'addr':
          return applyIpAddr(ns, command);
        case 'neigh':
          return applyIpNeigh(ns, command, now);
        case 'neigh-del':
          return applyIpNeighDel(ns, command);
        case 'neigh-flush':
          return applyIpNeighFlush(ns, command);
      }
      break;
    case 'iptables':
      return applyIptables(ns, command);
    case 'iptables-restore':
      return applyIptablesRestore(ns, command);
    case 'conntrack':
      return applyConntrack(ns, command, now);
    case 'sysctl':
      return applySysctl(ns, command);
  }
  throw new Error('invariant: unknown parsed command');
}

/** A word quoted for a POSIX shell. */
function shq(word: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(word) ? word : `'${word.replaceAll("'", `'"'"'`)}'`;
}

/**
 * The shell line that does the same on a real kernel inside namespace `netnsName` (for `net realize`): the
 * command as written, run with `ip netns exec`; iptables-restore gets its input on stdin.
 */
export function realizeCommand(netnsName: string, command: ParsedCommand): string {
  const run = `ip netns exec ${shq(netnsName)} ${command.text.trim()}`;
  if (command.tool === 'iptables-restore') return `printf '%s' ${shq(command.stdin)} | ${run}`;
  return run;
}
