// `ip addr add|del ADDR[/LEN] dev DEV [scope S]` (iproute2 ip/ipaddress.c ipaddr_modify()); the kernel side is
// Netns.addAddress (inet_rtm_newaddr()) and Netns.removeAddress (inet_rtm_deladdr()).

import { RT_SCOPE_HOST, RT_SCOPE_LINK, RT_SCOPE_UNIVERSE } from '../link/device.js';
import type { Netns } from '../netns/netns.js';
import { parseIpv4 } from '../../wire/ipv4-addr.js';
import type { Word } from '../syntax-words.js';
import { isValidIfname } from '../syntax-words.js';
import type { IpAddrCommand, ParseResult } from './command.js';
import { fail } from './command.js';

const SCOPES: Readonly<Record<string, number>> = { global: RT_SCOPE_UNIVERSE, link: RT_SCOPE_LINK, host: RT_SCOPE_HOST };

export function parseIpAddr(text: string, words: readonly Word[], verb: 'add' | 'del', at: number): ParseResult {
  let local: { addr: number; len: number | null } | undefined;
  let dev: string | undefined;
  let scope: number | undefined;
  for (let i = at; i < words.length; i++) {
    const w = words[i];
    const v = words[i + 1];
    if (w.text === 'dev' || w.text === 'scope') {
      if (v === undefined) return fail(`"${w.text}" needs a value`, w.column);
      i++;
      if (w.text === 'dev') {
        if (dev !== undefined) return fail('"dev" is given twice', w.column);
        if (!isValidIfname(v.text)) return fail(`"${v.text}" is not a valid device name`, v.column);
        dev = v.text;
      } else {
        scope = SCOPES[v.text];
        if (scope === undefined) return fail(`"${v.text}" is not a modelled scope (global, link or host)`, v.column);
      }
      continue;
    }
    const at2 = w.text === 'local' ? v : w;
    if (at2 === undefined) return fail('"local" needs an address', w.column);
    if (at2 !== w) i++;
    if (local !== undefined) return fail(`"${at2.text}" is not a modelled ip addr keyword (dev, scope)`, at2.column);
    const [a, l] = at2.text.split('/', 2);
    const addr = parseIpv4(a);
    const len = l === undefined ? null : /^(0|[1-9][0-9]?)$/.test(l) && Number(l) <= 32 ? Number(l) : undefined;
    if (addr === undefined || len === undefined) return fail(`"${at2.text}" is not an IPv4 address (ADDR/LEN)`, at2.column);
    local = { addr, len };
  }
  if (local === undefined) return fail('missing the address (ADDR/LEN)', words[at - 1].column);
  if (dev === undefined) return fail('Not enough information: "dev" argument is required.', words[at - 1].column);
  // default_scope(): host for 127.0.0.0/8, global otherwise.
  const s = scope ?? (local.addr >>> 24 === 127 ? RT_SCOPE_HOST : RT_SCOPE_UNIVERSE);
  const cmd: IpAddrCommand = { tool: 'ip', object: 'addr', verb, text, addr: local.addr, len: verb === 'add' ? local.len ?? 32 : local.len, dev, scope: s };
  return { ok: true, command: cmd };
}

export function applyIpAddr(ns: Netns, cmd: IpAddrCommand): string[] {
  const dev = ns.device(cmd.dev);
  if (dev === undefined) return [`Cannot find device "${cmd.dev}"`];
  if (cmd.verb === 'add') {
    // inet_rtm_newaddr() -> find_matching_ifa(): the same address and prefix length already there.
    if (dev.addrs.some((a) => a.addr === cmd.addr && a.len === cmd.len)) return ['Error: ipv4: Address already assigned.'];
    ns.addAddress(dev, cmd.addr, cmd.len ?? 32, cmd.scope);
    return [];
  }
  return ns.removeAddress(dev, cmd.addr, cmd.len) ? [] : ['Error: ipv4: Address not found.'];
}
