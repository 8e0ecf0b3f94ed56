// `ip neigh add` syntax (iproute2 ip/ipneigh.c, ipneigh_modify()).

import type { NeighSpec, NudState } from '../netns/world-spec.js';
import { parseIpv4, parseMac } from '../../wire/ipv4-addr.js';
import type { SyntaxResult, Word } from '../syntax-words.js';
import { didYouMean, isValidIfname, splitWords, syntaxError } from '../syntax-words.js';

export const NUD_STATES: readonly NudState[] = ['permanent', 'noarp', 'reachable', 'stale', 'failed'];

const KEYWORDS = ['lladdr', 'dev', 'nud', 'to'];

/** Parses the arguments of `ip neigh add`, e.g. "10.0.2.9 lladdr 02:00:00:00:00:09 dev eth1 nud permanent". */
export function parseNeigh(text: string): SyntaxResult<NeighSpec> {
  const words = splitWords(text);
  let addr: number | undefined;
  let lladdr: string | undefined;
  let dev: string | undefined;
  let nud: NudState | undefined;

  for (let i = 0; i < words.length; i++) {
    const word = words[i];
    const value: Word | undefined = words[i + 1];
    if (word.text === 'lladdr' || word.text === 'dev' || word.text === 'nud') {
      if (value === undefined) return syntaxError(`"${word.text}" needs a value`, word.column);
      i++;
      if (word.text === 'lladdr') {
        if (lladdr !== undefined) return syntaxError('"lladdr" is given twice', word.column);
        lladdr = parseMac(value.text);
        if (lladdr === undefined) return syntaxError(`"${value.text}" is not a MAC address (aa:bb:cc:dd:ee:ff)`, value.column);
      } else if (word.text === 'dev') {
        if (dev !== undefined) return syntaxError('"dev" is given twice', word.column);
        if (!isValidIfname(value.text)) return syntaxError(`"${value.text}" is not a valid device name`, value.column);
        dev = value.text;
      } else {
        if (nud !== undefined) return syntaxError('"nud" is given twice', word.column);
        if (!(NUD_STATES as readonly string[]).includes(value.text)) {
          return syntaxError(`"${value.text}" is not a modelled nud state (${NUD_STATES.join(', ')})${didYouMean(value.text, NUD_STATES)}`, value.column);
        }
        nud = value.text as NudState;
      }
      continue;
    }
    // Anything else is `[to] ADDR`, as in ipneigh_modify()'s default branch.
    const at = word.text === 'to' ? value : word;
    if (at === undefined) return syntaxError('"to" needs an address', word.column);
    if (at !== word) i++;
    if (addr !== undefined) {
      return syntaxError(`"${at.text}" is not a modelled ip neigh keyword (lladdr, dev, nud)${didYouMean(at.text, KEYWORDS)}`, at.column);
    }
    addr = parseIpv4(at.text);
    if (addr === undefined) return syntaxError(`"${at.text}" is not an IPv4 address${didYouMean(at.text, KEYWORDS)}`, at.column);
  }

  if (addr === undefined || dev === undefined) {
    return syntaxError('Device and destination are required arguments (ADDR ... dev NAME)', words[0]?.column ?? 1);
  }
  // ipneigh_modify() starts from NUD_PERMANENT.
  const state = nud ?? 'permanent';
  // Linux: __neigh_update() needs an address for a valid (non-failed) entry: "No link layer address given".
  if (lladdr === undefined && state !== 'failed') {
    return syntaxError(`No link layer address given: nud ${state} needs "lladdr MAC"`, words[0].column);
  }
  const spec: NeighSpec = { text, addr, dev, nud: state };
  if (lladdr !== undefined) spec.lladdr = lladdr;
  return { ok: true, value: spec };
}
