// A scenario's stand-in for the world outside the cluster: the records the `forward` plugin's upstream would
// return, read from zone-file lines (`owner [ttl] [IN] TYPE rdata`). Names it does not hold are NXDOMAIN.

import type { Upstream } from './kubernetes-plugin.js';
import type { Rr } from './rr.js';
import { fqdn } from './rr.js';
import { ipFamily } from './names.js';

export interface UpstreamLineError {
  line: number;
  column: number;
  message: string;
}

/** Parses A, AAAA, CNAME, PTR and TXT lines; `;` and `#` start comments. */
export function parseUpstreamRecords(text: string): { ok: true; records: Rr[] } | { ok: false; error: UpstreamLineError } {
  const records: Rr[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i]!.replace(/[;#].*$/, '');
    const fields: { t: string; col: number }[] = [];
    const re = /\S+/g;
    for (let m = re.exec(raw); m !== null; m = re.exec(raw)) fields.push({ t: m[0], col: m.index + 1 });
    if (fields.length === 0) continue;
    const err = (col: number, message: string) => ({ ok: false as const, error: { line: i + 1, column: col, message } });
    const owner = fqdn(fields[0]!.t);
    let k = 1;
    let ttl = 300;
    if (/^\d+$/.test(fields[k]?.t ?? '')) ttl = Number(fields[k++]!.t);
    if (fields[k]?.t.toUpperCase() === 'IN') k++;
    const type = fields[k]?.t.toUpperCase();
    const rdata = fields.slice(k + 1).map((f) => f.t);
    const at = fields[k + 1]?.col ?? (fields[k]?.col ?? 1);
    if (type === 'A' || type === 'AAAA') {
      if (rdata.length !== 1 || ipFamily(rdata[0]!) !== type) return err(at, `${type}: expected one ${type === 'A' ? 'IPv4' : 'IPv6'} address`);
      records.push({ name: owner, ttl, type, data: rdata[0]! });
    } else if (type === 'CNAME' || type === 'PTR') {
      if (rdata.length !== 1) return err(at, `${type}: expected one name`);
      records.push({ name: owner, ttl, type, data: fqdn(rdata[0]!) });
    } else if (type === 'TXT') {
      if (rdata.length === 0) return err(at, 'TXT: expected a string');
      records.push({ name: owner, ttl, type, data: [rdata.join(' ').replace(/^"|"$/g, '')] });
    } else return err(fields[k]?.col ?? 1, `expected a record type A, AAAA, CNAME, PTR or TXT, got "${fields[k]?.t ?? ''}"`);
  }
  return { ok: true, records };
}

/** An upstream answering from `records`, following CNAMEs it holds (at most 8). */
export function staticUpstream(records: Rr[]): Upstream {
  return (name, type) => {
    const answer: Rr[] = [];
    let cur = fqdn(name).toLowerCase();
    for (let hops = 0; hops < 8; hops++) {
      const here = records.filter((r) => r.name.toLowerCase() === cur);
      const hits = here.filter((r) => r.type === type);
      if (hits.length > 0) return { rcode: 'NOERROR', answer: answer.concat(hits), authority: [], truncated: false };
      const cname = here.find((r) => r.type === 'CNAME');
      if (cname === undefined || cname.type !== 'CNAME') {
        return { rcode: here.length > 0 || answer.length > 0 ? 'NOERROR' : 'NXDOMAIN', answer, authority: [], truncated: false };
      }
      answer.push(cname);
      cur = cname.data.toLowerCase();
    }
    return { rcode: 'SERVFAIL', answer: [], authority: [], truncated: false };
  };
}
