// `ip link set [dev] DEV up|down` (iproute2 ip/iplink.c do_set()); the kernel side is in Netns.linkDown/linkUp.

import type { Netns } from '../netns/netns.js';
import type { Word } from '../syntax-words.js';
import { isValidIfname } from '../syntax-words.js';
import type { IpLinkCommand, ParseResult } from './command.js';
import { fail } from './command.js';

export function parseIpLinkSet(text: string, words: readonly Word[], at: number): ParseResult {
  let dev: Word | undefined;
  let up: boolean | undefined;
  for (let i = at; i < words.length; i++) {
    const w = words[i];
    if (w.text === 'up' || w.text === 'down') {
      up = w.text === 'up';
      continue;
    }
    const name = w.text === 'dev' ? words[++i] : w;
    if (name === undefined) return fail('"dev" needs a device name', w.column);
    if (dev !== undefined) {
      return fail(`Error: either "dev" is duplicate, or "${name.text}" is a garbage. (modelled: ip link set DEV up|down)`, name.column);
    }
    if (!isValidIfname(name.text)) return fail(`"${name.text}" is not a valid device name`, name.column);
    dev = name;
  }
  if (dev === undefined) return fail('Not enough information: "dev" argument is required.', words[at - 1].column);
  if (up === undefined) return fail('expected "up" or "down" after the device (the modelled ip link set changes)', dev.column);
  const cmd: IpLinkCommand = { tool: 'ip', object: 'link', text, dev: dev.text, up };
  return { ok: true, command: cmd };
}

export function applyIpLink(ns: Netns, cmd: IpLinkCommand): string[] {
  const dev = ns.device(cmd.dev);
  if (dev === undefined) return [`Cannot find device "${cmd.dev}"`];
  if (cmd.up) ns.linkUp(dev);
  else ns.linkDown(dev);
  return [];
}
