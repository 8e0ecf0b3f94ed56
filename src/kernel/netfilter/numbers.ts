// Number and port words as libxtables reads them (xtables_strtoui(), xtables_parse_port(), xtables_parse_mark_mask()).

/** strtoul(text, 0): decimal, 0x hex or leading-0 octal, the whole word, at most `max`. */
export function parseUint(text: string, max = 0xffffffff): number | undefined {
  let v: number;
  if (/^0[xX][0-9a-fA-F]+$/.test(text)) v = parseInt(text.slice(2), 16);
  else if (/^0[0-7]*$/.test(text)) v = text.length === 1 ? 0 : parseInt(text.slice(1), 8);
  else if (/^[1-9][0-9]*$/.test(text)) v = parseInt(text, 10);
  else return undefined;
  return v <= max ? v : undefined;
}

/** `VALUE[/MASK]` (xtables_parse_mark_mask()); the mask defaults to 0xffffffff. */
export function parseMarkMask(text: string): { value: number; mask: number } | undefined {
  const slash = text.indexOf('/');
  const value = parseUint(slash < 0 ? text : text.slice(0, slash));
  const mask = slash < 0 ? 0xffffffff : parseUint(text.slice(slash + 1));
  if (value === undefined || mask === undefined) return undefined;
  return { value, mask };
}

/** `0x%x` as the mark modules print (print_mark()). */
export function hex(v: number): string {
  return `0x${(v >>> 0).toString(16)}`;
}

/** `--mark 0x1` or `--mark 0x1/0xff`: the mask is left out when it is all ones (mark_mt_save()). */
export function formatMarkMask(value: number, mask: number): string {
  return mask === 0xffffffff ? hex(value) : `${hex(value)}/${hex(mask)}`;
}

/** The /etc/services names a rule is likely to use (getservbyname(name, proto) in xtables_parse_port()). */
const SERVICES: Readonly<Record<string, number>> = {
  ftp: 21, ssh: 22, telnet: 23, smtp: 25, domain: 53, bootps: 67, bootpc: 68, tftp: 69, http: 80, www: 80,
  pop3: 110, ntp: 123, imap: 143, snmp: 161, ldap: 389, https: 443, syslog: 514, ldaps: 636, rsync: 873,
  imaps: 993, pop3s: 995, mysql: 3306, postgresql: 5432, 'http-alt': 8080,
};

/** A port number or service name; undefined when invalid. */
export function parsePort(text: string): number | undefined {
  const n = parseUint(text, 65535);
  if (n !== undefined && /^[0-9]+$/.test(text)) return n;
  return Object.prototype.hasOwnProperty.call(SERVICES, text) ? SERVICES[text] : undefined;
}

export interface PortRange {
  min: number;
  max: number;
}

/** `P`, `P:Q`, `:Q`, `P:` (xtables_parse_port_range()); an error message when invalid. */
export function parsePortRange(text: string): PortRange | string {
  const colon = text.indexOf(':');
  if (colon < 0) {
    const p = parsePort(text);
    return p === undefined ? `invalid port/service \`${text}' specified` : { min: p, max: p };
  }
  const lo = colon === 0 ? 0 : parsePort(text.slice(0, colon));
  const hiText = text.slice(colon + 1);
  const hi = hiText === '' ? 65535 : parsePort(hiText);
  if (lo === undefined) return `invalid port/service \`${text.slice(0, colon)}' specified`;
  if (hi === undefined) return `invalid port/service \`${hiText}' specified`;
  if (lo > hi) return 'invalid portrange (min > max)';
  return { min: lo, max: hi };
}

/** `P` or `P:Q` as the tcp/udp/conntrack modules print a range. */
export function formatPortRange(r: PortRange): string {
  return r.min === r.max ? `${r.min}` : `${r.min}:${r.max}`;
}
