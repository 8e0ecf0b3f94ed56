// The parsed form of each tool command a timeline may hold. Every command keeps the text it was parsed from,
// which is also what `net realize` runs on a real kernel.

import type { NeighSpec, NudState, RouteSpec, RuleSpec } from '../netns/world-spec.js';
import type { Word as NfWord } from '../netfilter/tokenize.js';

/**
 * A located problem in a command: `column` is 1-based within the command text. For a problem in the input of
 * iptables-restore, `line` is the 1-based line of stdin and `column` counts within that line (the message says
 * "stdin line N: ..." too, for a reader that places it on the command).
 */
export interface ToolError {
  column: number;
  message: string;
  line?: number;
}

export type RouteVerb = 'add' | 'del' | 'replace' | 'change' | 'append' | 'prepend';

export interface IpRouteCommand {
  tool: 'ip';
  object: 'route';
  verb: RouteVerb;
  text: string;
  route: RouteSpec;
  /** The keywords written (canonical: dev, via, src, metric, table, scope, proto, type), for `del`'s wildcards. */
  given: readonly string[];
}

export interface IpRouteFlushCommand {
  tool: 'ip';
  object: 'route-flush';
  text: string;
  table: number;
  dev?: string;
  proto?: string;
}

export interface IpRuleCommand {
  tool: 'ip';
  object: 'rule';
  verb: 'add' | 'del';
  text: string;
  rule: RuleSpec;
  /** Canonical keywords written (priority, lookup, action, fwmark, ...), for `del`'s wildcards. */
  given: readonly string[];
}

export interface IpLinkCommand {
  tool: 'ip';
  object: 'link';
  text: string;
  dev: string;
  up: boolean;
}

export interface IpAddrCommand {
  tool: 'ip';
  object: 'addr';
  verb: 'add' | 'del';
  text: string;
  addr: number;
  /** null: `ip addr del ADDR` without a length, which deletes the first address equal to ADDR. */
  len: number | null;
  dev: string;
  scope: number;
}

export interface IpNeighCommand {
  tool: 'ip';
  object: 'neigh';
  verb: 'add' | 'replace' | 'change';
  text: string;
  neigh: NeighSpec;
}

export interface IpNeighDelCommand {
  tool: 'ip';
  object: 'neigh-del';
  text: string;
  addr: number;
  dev: string;
}

export interface IpNeighFlushCommand {
  tool: 'ip';
  object: 'neigh-flush';
  text: string;
  dev?: string;
  /** null: every address (`all`, or none given with a device). */
  to: { addr: number; len: number } | null;
  /** null: iproute2's default for flush, everything but PERMANENT and NOARP; 'all' for `nud all`. */
  nud: NudState[] | 'all' | null;
}

export interface IptablesCommand {
  tool: 'iptables';
  text: string;
  table: string;
  /** The words after `iptables`, without `-t TABLE`. */
  words: readonly NfWord[];
}

export interface IptablesRestoreCommand {
  tool: 'iptables-restore';
  text: string;
  stdin: string;
  noflush: boolean;
  counters: boolean;
}

/** The filters of `conntrack -D`, each optional (conntrack-tools 1.4.7 src/conntrack.c). */
export interface ConntrackFilter {
  proto?: number;
  origSrc?: { addr: number; len: number };
  origDst?: { addr: number; len: number };
  replySrc?: { addr: number; len: number };
  replyDst?: { addr: number; len: number };
  origSport?: number;
  origDport?: number;
  replySport?: number;
  replyDport?: number;
  mark?: { value: number; mask: number };
  state?: string;
  status?: string[];
  zone?: number;
}

export interface ConntrackCommand {
  tool: 'conntrack';
  text: string;
  op: 'delete' | 'flush';
  filter: ConntrackFilter;
}

export interface SysctlCommand {
  tool: 'sysctl';
  text: string;
  settings: ReadonlyArray<{ key: string; value: number; column: number }>;
}

/** A command parsed as its tool would parse it, before it touches any namespace. */
export type ParsedCommand =
  | IpRouteCommand
  | IpRouteFlushCommand
  | IpRuleCommand
  | IpLinkCommand
  | IpAddrCommand
  | IpNeighCommand
  | IpNeighDelCommand
  | IpNeighFlushCommand
  | IptablesCommand
  | IptablesRestoreCommand
  | ConntrackCommand
  | SysctlCommand;

export type ParseResult = { ok: true; command: ParsedCommand } | { ok: false; errors: ToolError[] };

export function fail(message: string, column: number): ParseResult {
  return { ok: false, errors: [{ column, message }] };
}
