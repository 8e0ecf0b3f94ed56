// A trace destination given as a DNS name (`web.prod:80`, `db-0.db.prod.svc.cluster.local.:5432`): what a
// program in the pod would hand to getaddrinfo.

import type { SyntaxResult } from '../kernel/syntax-words.js';
import { syntaxError } from '../kernel/syntax-words.js';

/** A hostname: LDH labels (and `_` as in SRV owners) of 1..63 characters, dot-separated, at most 253, an optional trailing dot. */
const HOSTNAME = /^(?=.{1,254}$)(?:[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?\.)*[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?\.?$/;

/** True when `text` could be a DNS name rather than an address or a `kind/NAME` endpoint. */
export function looksLikeDnsName(text: string): boolean {
  return HOSTNAME.test(text) && !/^[0-9.]+$/.test(text);
}

/** `NAME` or `NAME:PORT`, NAME a DNS name. */
export function parseNameDestination(text: string): SyntaxResult<{ name: string; port?: number }> {
  const colon = text.lastIndexOf(':');
  const name = colon < 0 ? text : text.slice(0, colon);
  if (!looksLikeDnsName(name)) return syntaxError(`"${name}" is not a DNS name (labels of letters, digits and "-", separated by dots)`, 1);
  if (colon < 0) return { ok: true, value: { name } };
  const p = text.slice(colon + 1);
  if (!/^[1-9][0-9]{0,4}$/.test(p) || Number(p) > 65535) return syntaxError(`"${p}" is not a port (1..65535)`, colon + 2);
  return { ok: true, value: { name, port: Number(p) } };
}
