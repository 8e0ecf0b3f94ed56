// `bridge fdb add` syntax (iproute2 bridge/fdb.c, fdb_modify()).

import type { FdbSpec } from '../netns/world-spec.js';
import { parseIpv4, parseMac } from '../../wire/ipv4-addr.js';
import type { SyntaxResult } from '../syntax-words.js';
import { didYouMean, isValidIfname, splitWords, syntaxError } from '../syntax-words.js';

const KEYWORDS = ['dev', 'dst', 'self', 'master', 'permanent', 'local', 'static', 'temp', 'dynamic', 'to'];

/** What the line alone cannot tell: whether `dev` is enslaved to a bridge. */
export interface FdbContext {
  bridgePort?: boolean;
}

/**
 * Parses the arguments of `bridge fdb add`, e.g. "02:00:00:00:00:09 dev vx0 dst 10.0.2.9 self permanent".
 * Without `self` or `master`, fdb_modify() assumes `self`; packetwalk's contract (FdbSpec.self) makes a bridge
 * port's entry go to its bridge instead, because on a port `self` only edits the port's own address filter
 * (ndo_dflt_fdb_add()), which is never what a scenario means.
 */
export function parseFdb(text: string, context: FdbContext = {}): SyntaxResult<FdbSpec> {
  const words = splitWords(text);
  let mac: string | undefined;
  let dev: string | undefined;
  let dst: number | undefined;
  let self: boolean | undefined;
  let permanent: boolean | undefined;

  for (let i = 0; i < words.length; i++) {
    const word = words[i];
    switch (word.text) {
      case 'self':
      case 'master':
        if (self !== undefined && self !== (word.text === 'self')) {
          return syntaxError('"self" and "master" together are not modelled: write one entry for each table', word.column);
        }
        self = word.text === 'self';
        continue;
      case 'permanent':
      case 'local':
      case 'static':
      case 'temp':
      case 'dynamic':
        if (permanent !== undefined) return syntaxError(`"${word.text}": the entry's state is already given`, word.column);
        // fdb_modify(): local|permanent is NUD_PERMANENT (a local entry on a bridge); the others age or stay static.
        permanent = word.text === 'permanent' || word.text === 'local';
        continue;
    }
    const value = words[i + 1];
    if (word.text === 'dev' || word.text === 'dst') {
      if (value === undefined) return syntaxError(`"${word.text}" needs a value`, word.column);
      i++;
      if (word.text === 'dev') {
        if (dev !== undefined) return syntaxError('"dev" is given twice', word.column);
        if (!isValidIfname(value.text)) return syntaxError(`"${value.text}" is not a valid device name`, value.column);
        dev = value.text;
      } else {
        if (dst !== undefined) return syntaxError('"dst" is given twice', word.column);
        dst = parseIpv4(value.text);
        if (dst === undefined) return syntaxError(`"${value.text}" is not an IPv4 address`, value.column);
      }
      continue;
    }
    // Anything else is `[to] LLADDR`, as in fdb_modify()'s default branch.
    const at = word.text === 'to' ? value : word;
    if (at === undefined) return syntaxError('"to" needs a MAC address', word.column);
    if (at !== word) i++;
    if (mac !== undefined) {
      const known = 'dev, dst, self, master, permanent, local, static, temp, dynamic';
      return syntaxError(`"${at.text}" is not a modelled bridge fdb keyword (${known})${didYouMean(at.text, KEYWORDS)}`, at.column);
    }
    mac = parseMac(at.text);
    if (mac === undefined) return syntaxError(`"${at.text}" is not a MAC address (aa:bb:cc:dd:ee:ff)${didYouMean(at.text, KEYWORDS)}`, at.column);
  }

  if (mac === undefined || dev === undefined) {
    return syntaxError('an fdb entry needs a MAC address and "dev NAME"', words[0]?.column ?? 1);
  }
  // fdb_modify(): without a state word iproute2 assumes NUD_PERMANENT ("Assume permanent").
  const spec: FdbSpec = { text, mac, dev, self: self ?? !context.bridgePort, permanent: permanent ?? true };
  if (dst !== undefined) spec.dst = dst;
  return { ok: true, value: spec };
}
