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

/**
 * The /etc/services entries (Debian netbase, as installed here) a rule is likely to use, with their aliases:
 * getservbyname(name, proto) in xtables_parse_port() finds a name only for the protocol it is listed under, so
 * `-p tcp --dport ntp` is refused (ntp is udp only) and `-p udp --dport http` too (http is tcp only).
 */
const SERVICES: ReadonlyArray<readonly [names: readonly string[], port: number, protos: readonly string[]]> = [
  [['ftp'], 21, ['tcp']], [['ssh'], 22, ['tcp']], [['telnet'], 23, ['tcp']], [['smtp', 'mail'], 25, ['tcp']],
  [['domain'], 53, ['tcp', 'udp']], [['bootps'], 67, ['udp']], [['bootpc'], 68, ['udp']], [['tftp'], 69, ['udp']],
  [['http', 'www'], 80, ['tcp']], [['pop3', 'pop-3'], 110, ['tcp']], [['ntp'], 123, ['udp']],
  [['imap2', 'imap'], 143, ['tcp']], [['snmp'], 161, ['tcp', 'udp']], [['ldap'], 389, ['tcp', 'udp']],
  [['https'], 443, ['tcp', 'udp']], [['shell', 'cmd', 'syslog'], 514, ['tcp']], [['syslog'], 514, ['udp']],
  [['ldaps'], 636, ['tcp', 'udp']], [['rsync'], 873, ['tcp']], [['imaps'], 993, ['tcp']], [['pop3s'], 995, ['tcp']],
  [['mysql'], 3306, ['tcp']], [['postgresql', 'postgres'], 5432, ['tcp']], [['http-alt', 'webcache'], 8080, ['tcp']],
];

/**
 * A numeric service as glibc's getaddrinfo() reads it: strtoul(text, 10) (saturating at ULONG_MAX), kept in an
 * int that must not be negative, and only its low 16 bits become the port: `70000` is 4464, `2147483648` fails.
 */
function serviceNumber(text: string): number | undefined {
  const ulongMax = (1n << 64n) - 1n;
  let v = text === '' ? 0n : BigInt(text);
  if (v > ulongMax) v = ulongMax;
  const asInt = BigInt.asIntN(32, v);
  return asInt < 0n ? undefined : Number(asInt & 0xffffn);
}

/**
 * A port number or service name; undefined when invalid. With a protocol name this is xtables_parse_port()
 * (tcp, multiport): the name is looked up for that protocol, a number is read as strtoul(text, 0) does, so
 * `0x10` is 16 and `010` is 8. With null it is the XTTYPE_PORT / XTTYPE_PORTRC parser (udp, conntrack):
 * xtables_getportbyname() finds the name under any protocol, and a number is decimal.
 */
export function parsePort(text: string, proto: string | null): number | undefined {
  if (proto !== null) {
    const n = parseUint(text, 65535);
    if (n !== undefined) return n;
  } else if (/^(\+?[0-9]+)?$/.test(text)) {
    return serviceNumber(text);
  }
  const hit = SERVICES.find(([names, , protos]) => names.includes(text) && (proto === null || protos.includes(proto)));
  return hit?.[1];
}

export interface PortRange {
  min: number;
  max: number;
}

/** `P`, `P:Q`, `:Q`, `P:` (xtables_parse_port_range()); an error message when invalid. */
export function parsePortRange(text: string, proto: string | null): PortRange | string {
  const colon = text.indexOf(':');
  if (colon < 0) {
    const p = parsePort(text, proto);
    return p === undefined ? `invalid port/service \`${text}' specified` : { min: p, max: p };
  }
  const lo = colon === 0 ? 0 : parsePort(text.slice(0, colon), proto);
  const hiText = text.slice(colon + 1);
  const hi = hiText === '' ? 65535 : parsePort(hiText, proto);
  if (lo === undefined) return `invalid port/service \`${text.slice(0, colon)}' specified`;
  if (hi === undefined) return `invalid port/service \`${hiText}' specified`;
  // XTTYPE_PORTRC (proto null) stores a reversed range as given; it never matches.
  if (lo > hi && proto !== null) return 'invalid portrange (min > max)';
  return { min: lo, max: hi };
}

/** `P` or `P:Q` as the tcp/udp/conntrack modules print a range. */
export function formatPortRange(r: PortRange): string {
  return r.min === r.max ? `${r.min}` : `${r.min}:${r.max}`;
}
