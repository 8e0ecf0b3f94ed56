// `ipset save` text, as `ipset restore` reads it: `create NAME TYPE [options]` and `add NAME ELEMENT
// [options]` lines (ipset/src/ipset.c, restore mode), the sets `-m set --match-set` reads. The element forms
// are the ones `ipset save` prints: `hash:ip` one address per line, `hash:net` "a.b.c.d/len" (no "/32"), the
// `,port` types with "proto:port". Types the set match does not model are kept by name (rules may name them)
// and reported in `notes`.

import { formatIpv4, parseIpv4, prefixNetwork } from '../../wire/ipv4-addr.js';
import type { MatchState } from './context.js';
import type { RestoreError } from './restore-parse.js';
import { splitWords } from './tokenize.js';

/** The set types whose members `-m set` matches (net/netfilter/ipset/ip_set_hash_*.c). */
export const MODELLED_SET_TYPES = ['hash:ip', 'hash:net', 'hash:ip,port', 'hash:net,port'] as const;

/** Every type ipset 7.x creates (ipset --help); the others are "Syntax error: typename ... is unknown". */
const KNOWN_SET_TYPES = new Set([
  ...MODELLED_SET_TYPES, 'bitmap:ip', 'bitmap:ip,mac', 'bitmap:port', 'hash:ip,mark', 'hash:ip,port,ip', 'hash:ip,port,net',
  'hash:mac', 'hash:net,iface', 'hash:net,net', 'hash:net,port,net', 'hash:ip,mac', 'list:set',
]);

/** IPSET_MAXNAMELEN (32) with the terminating NUL. */
const MAX_NAME = 31;

export interface IpsetSaveResult {
  sets: MatchState['ipsets'];
  errors: RestoreError[];
  notes: string[];
}

type Element = { ok: true; value: string } | { ok: false; message: string; offset: number };

function element(type: string, text: string): Element {
  const hasPort = type.endsWith(',port');
  const comma = text.indexOf(',');
  if (hasPort !== comma >= 0) {
    return { ok: false, offset: 0, message: hasPort ? `Syntax error: Second element is missing from ${text}.` : `Syntax error: Elem separator in ${text}, but settype ${type} supports none.` };
  }
  const addrText = comma < 0 ? text : text.slice(0, comma);
  const slash = addrText.indexOf('/');
  const addr = parseIpv4(slash < 0 ? addrText : addrText.slice(0, slash));
  if (addr === undefined) return { ok: false, offset: 0, message: `Syntax error: cannot parse ${addrText}: resolving to IPv4 address failed` };
  let value = formatIpv4(addr);
  if (slash >= 0) {
    const len = /^[0-9]{1,2}$/.test(addrText.slice(slash + 1)) ? Number(addrText.slice(slash + 1)) : -1;
    if (len < 1 || len > 32) return { ok: false, offset: slash + 1, message: `Syntax error: '${addrText.slice(slash + 1)}' is out of range 1-32` };
    if (type.startsWith('hash:ip') && len !== 32) {
      return { ok: false, offset: slash + 1, message: `a ${type} element is one address (ipset save prints each), got ${addrText}` };
    }
    if (len !== 32) value = `${formatIpv4(prefixNetwork({ addr, len }))}/${len}`;
  }
  if (!hasPort) return { ok: true, value };
  const m = /^(tcp|udp|sctp|udplite|icmp):([0-9]{1,5})$|^([0-9]{1,5})$/.exec(text.slice(comma + 1));
  const port = m ? Number(m[2] ?? m[3]) : -1;
  if (!m || port > 65535) return { ok: false, offset: comma + 1, message: `Syntax error: cannot parse '${text.slice(comma + 1)}' as PROTO:PORT` };
  return { ok: true, value: `${value},${m[1] ?? 'tcp'}:${port}` };
}

/** Parses `ipset save` output (or `ipset restore` input); bad lines come back as located errors. */
export function parseIpsetSave(text: string): IpsetSaveResult {
  const sets: MatchState['ipsets'] = new Map();
  const errors: RestoreError[] = [];
  const notes: string[] = [];
  const unmodelled = new Set<string>();
  text.split('\n').forEach((line, i) => {
    const lineNo = i + 1;
    if (line.trim() === '' || line.trimStart().startsWith('#')) return;
    const words = splitWords(line, false);
    const [cmd, name, third] = words;
    const fail = (message: string, col: number): void => void errors.push({ line: lineNo, column: col, message });
    if (cmd.text !== 'create' && cmd.text !== 'add' && cmd.text !== '-N' && cmd.text !== '-A') {
      fail(`Syntax error: unknown command ${cmd.text} (ipset save prints create and add lines)`, cmd.col);
      return;
    }
    if (!name) return fail(`Syntax error: missing mandatory argument: setname`, line.length + 1);
    if (!third) return fail(cmd.text === 'create' || cmd.text === '-N' ? 'Syntax error: missing mandatory argument: typename' : 'Syntax error: missing mandatory argument: element', line.length + 1);
    if (cmd.text === 'create' || cmd.text === '-N') {
      if (name.text.length > MAX_NAME) return fail(`Syntax error: setname '${name.text}' is longer than ${MAX_NAME} characters`, name.col);
      if (sets.has(name.text)) return fail('Set cannot be created: set with the same name already exists', name.col);
      if (!KNOWN_SET_TYPES.has(third.text)) return fail(`Syntax error: typename '${third.text}' is unknown`, third.col);
      const family = words.findIndex((w) => w.text === 'family');
      if (family >= 0 && words[family + 1]?.text === 'inet6') notes.push(`set ${name.text} is an inet6 set: IPv4 rules never match it`);
      if (!(MODELLED_SET_TYPES as readonly string[]).includes(third.text)) {
        unmodelled.add(name.text);
        notes.push(`set ${name.text} (${third.text}) is not modelled: --match-set ${name.text} never matches`);
      }
      sets.set(name.text, { type: third.text, members: new Set() });
      return;
    }
    const set = sets.get(name.text);
    if (!set) return fail(`The set with the given name does not exist`, name.col);
    if (unmodelled.has(name.text)) return;
    if (words.some((w) => w.text === 'nomatch')) {
      notes.push(`set ${name.text}: nomatch elements are not modelled (ignored): ${third.text}`);
      return;
    }
    const e = element(set.type, third.text);
    if (!e.ok) return fail(e.message, third.col + e.offset);
    set.members.add(e.value);
  });
  return { sets, errors, notes };
}
