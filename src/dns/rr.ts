// Resource records as the resolver builds them: owner names are fully qualified (trailing dot) and keep the
// case they were built with (CoreDNS copies the query's case into owners and generated zone parts).

export interface SrvData {
  priority: number;
  weight: number;
  port: number;
  target: string;
}

export interface SoaData {
  mname: string;
  rname: string;
  serial: number;
  refresh: number;
  retry: number;
  expire: number;
  minimum: number;
}

interface RrBase {
  name: string;
  ttl: number;
}

export type Rr =
  | (RrBase & { type: 'A' | 'AAAA' | 'CNAME' | 'PTR' | 'NS'; data: string })
  | (RrBase & { type: 'SRV'; data: SrvData })
  | (RrBase & { type: 'TXT'; data: string[] })
  | (RrBase & { type: 'SOA'; data: SoaData });

export type Rcode = 'NOERROR' | 'FORMERR' | 'SERVFAIL' | 'NXDOMAIN' | 'NOTIMP' | 'REFUSED';

export const RCODE_VALUES: Record<Rcode, number> = { NOERROR: 0, FORMERR: 1, SERVFAIL: 2, NXDOMAIN: 3, NOTIMP: 4, REFUSED: 5 };

/** Appends the root dot when missing (miekg/dns Fqdn). */
export function fqdn(name: string): string {
  return name.endsWith('.') ? name : `${name}.`;
}

/** The record's rdata in miekg/dns RR.String() layout, fields joined by `sep`. */
export function rdataText(rr: Rr, sep = ' '): string {
  switch (rr.type) {
    case 'SRV':
      return [rr.data.priority, rr.data.weight, rr.data.port, rr.data.target].join(sep);
    case 'TXT':
      return rr.data.map((s) => JSON.stringify(s)).join(sep);
    case 'SOA': {
      const d = rr.data;
      return [d.mname, d.rname, d.serial, d.refresh, d.retry, d.expire, d.minimum].join(sep);
    }
    default:
      return rr.data;
  }
}

/** The zone-file line of a record, as dig and miekg/dns print it (`owner TTL IN TYPE rdata`). */
export function rrText(rr: Rr, sep = '\t'): string {
  return [rr.name, rr.ttl, 'IN', rr.type, rdataText(rr, sep)].join(sep);
}
