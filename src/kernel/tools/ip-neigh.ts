// `ip neigh add|replace|change|del|flush` (iproute2 ip/ipneigh.c ipneigh_modify(), do_show_or_flush()) against
// a namespace's ARP table (neigh_add(), neigh_delete()).

import type { Netns } from '../netns/netns.js';
import type { NudState as TableState } from '../neigh/neigh-table.js';
import { NUD_STATES, parseNeigh } from '../neigh/neigh-syntax.js';
import { neighAdminAdd } from '../neigh/neigh-state.js';
import type { NudState } from '../netns/world-spec.js';
import { parseIpv4, parsePrefix } from '../../wire/ipv4-addr.js';
import { prefixMask } from '../../wire/ipv4-addr.js';
import type { Word } from '../syntax-words.js';
import { didYouMean, isValidIfname } from '../syntax-words.js';
import type { IpNeighCommand, IpNeighDelCommand, IpNeighFlushCommand, ParseResult } from './command.js';
import { fail } from './command.js';
import { argsOf } from './ip-words.js';

export function parseIpNeigh(text: string, words: readonly Word[], verb: 'add' | 'replace' | 'change', at: number): ParseResult {
  const { args, offset } = argsOf(text, words, at);
  const parsed = parseNeigh(args);
  if (!parsed.ok) return fail(parsed.error, parsed.column + offset);
  const cmd: IpNeighCommand = { tool: 'ip', object: 'neigh', verb, text, neigh: { ...parsed.value, text: args } };
  return { ok: true, command: cmd };
}

/** `ip neigh del [to] ADDR dev DEV` */
export function parseIpNeighDel(text: string, words: readonly Word[], at: number): ParseResult {
  let addr: number | undefined;
  let dev: string | undefined;
  for (let i = at; i < words.length; i++) {
    const w = words[i];
    const v = words[i + 1];
    if (w.text === 'dev') {
      if (v === undefined) return fail('"dev" needs a value', w.column);
      if (!isValidIfname(v.text)) return fail(`"${v.text}" is not a valid device name`, v.column);
      dev = v.text;
      i++;
      continue;
    }
    const a = w.text === 'to' ? v : w;
    if (a === undefined) return fail('"to" needs an address', w.column);
    if (a !== w) i++;
    if (addr !== undefined) return fail(`"${a.text}" is not a modelled ip neigh del keyword (dev)`, a.column);
    addr = parseIpv4(a.text);
    if (addr === undefined) return fail(`"${a.text}" is not an IPv4 address`, a.column);
  }
  if (addr === undefined || dev === undefined) {
    return fail('Device and destination are required arguments (ADDR dev NAME)', words[at - 1].column);
  }
  const cmd: IpNeighDelCommand = { tool: 'ip', object: 'neigh-del', text, addr, dev };
  return { ok: true, command: cmd };
}

/** `ip neigh flush [dev DEV] [to PREFIX | all] [nud STATE]...`: at least one selector, as iproute2 requires. */
export function parseIpNeighFlush(text: string, words: readonly Word[], at: number): ParseResult {
  if (at >= words.length) return fail('Flush requires arguments.', words[at - 1].column);
  const cmd: IpNeighFlushCommand = { tool: 'ip', object: 'neigh-flush', text, to: null, nud: null };
  for (let i = at; i < words.length; i++) {
    const w = words[i];
    const v = words[i + 1];
    if (w.text === 'all') continue;
    if (w.text === 'dev' || w.text === 'nud') {
      if (v === undefined) return fail(`"${w.text}" needs a value`, w.column);
      i++;
      if (w.text === 'dev') {
        if (!isValidIfname(v.text)) return fail(`"${v.text}" is not a valid device name`, v.column);
        cmd.dev = v.text;
      } else if (v.text === 'all') {
        cmd.nud = 'all';
      } else {
        if (!(NUD_STATES as readonly string[]).includes(v.text)) {
          return fail(`"${v.text}" is not a modelled nud state (${NUD_STATES.join(', ')}, all)${didYouMean(v.text, NUD_STATES)}`, v.column);
        }
        if (cmd.nud !== 'all') cmd.nud = [...(cmd.nud ?? []), v.text as NudState];
      }
      continue;
    }
    const a = w.text === 'to' ? v : w;
    if (a === undefined) return fail('"to" needs a prefix', w.column);
    if (a !== w) i++;
    const p = parsePrefix(a.text);
    if (p === undefined) return fail(`"${a.text}" is not a prefix or a modelled ip neigh flush selector (dev, to, nud, all)`, a.column);
    cmd.to = p;
  }
  return { ok: true, command: cmd };
}

const STATE: Readonly<Record<NudState, TableState>> = {
  permanent: 'PERMANENT', noarp: 'NOARP', reachable: 'REACHABLE', stale: 'STALE', failed: 'FAILED',
};

export function applyIpNeigh(ns: Netns, cmd: IpNeighCommand, _now: number): string[] {
  const n = cmd.neigh;
  if (ns.device(n.dev) === undefined) return [`Cannot find device "${n.dev}"`];
  const dev = ns.device(n.dev)!;
  const existing = ns.neigh.get(n.dev, n.addr);
  // neigh_add(): NLM_F_EXCL (add) refuses an existing entry; without NLM_F_CREATE (change) a missing one.
  if (cmd.verb === 'add' && existing !== undefined) return ['RTNETLINK answers: File exists'];
  if (cmd.verb === 'change' && existing === undefined) return ['RTNETLINK answers: No such file or directory'];
  if (existing !== undefined) existing.timer++; // neigh_update() re-arms: an older timer job must do nothing
  neighAdminAdd(dev, n.addr, n.lladdr ?? null, STATE[n.nud]);
  return [];
}

export function applyIpNeighDel(ns: Netns, cmd: IpNeighDelCommand): string[] {
  if (ns.device(cmd.dev) === undefined) return [`Cannot find device "${cmd.dev}"`];
  return ns.neigh.delete(cmd.dev, cmd.addr) ? [] : ['RTNETLINK answers: No such file or directory'];
}

export function applyIpNeighFlush(ns: Netns, cmd: IpNeighFlushCommand): string[] {
  if (cmd.dev !== undefined && ns.device(cmd.dev) === undefined) return [`Cannot find device "${cmd.dev}"`];
  const states = cmd.nud;
  const to = cmd.to;
  ns.neigh.removeWhere((e) => (cmd.dev === undefined || e.dev === cmd.dev)
    && (to === null || ((e.addr & prefixMask(to.len)) >>> 0) === ((to.addr & prefixMask(to.len)) >>> 0))
    // Without `nud`, a flush leaves PERMANENT and NOARP entries (filter.state &= ~(NUD_PERMANENT|NUD_NOARP)).
    && (states === 'all' || (states === null ? e.state !== 'PERMANENT' && e.state !== 'NOARP' : states.some((s) => STATE[s] === e.state))));
  return [];
}
