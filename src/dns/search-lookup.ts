// What a pod's stub resolver sends for one name: glibc's res_search (resolv/res_query.c
// __res_context_search) or musl's name_from_dns_search (src/network/lookup_name.c), walking the search list
// with ndots, and what it concludes.

import type { DnsResponse } from './kubernetes-plugin.js';
import type { ResolvConf } from './resolv-conf.js';
import { ndotsOf } from './resolv-conf.js';

export type Libc = 'glibc' | 'musl';

/**
 * No DNS message came back: `timeout` (the query or its answer was lost; glibc waits `timeout:5` per try,
 * `attempts:2`), or `refused` (an ICMP port unreachable reached the connected UDP socket: ECONNREFUSED).
 */
export type QueryFailure = 'timeout' | 'refused';

export interface LookupQuery {
  name: string;
  type: string;
  nameserver: string;
  /** The answer; for a failed query an empty stand-in (no records, `by` none) that nobody reads. */
  response: DnsResponse;
  /** Set when no answer came back; `response` then holds nothing the resolver read. */
  failure?: QueryFailure;
}

/** One candidate name: its queries (A and AAAA in parallel for getaddrinfo) and how the resolver read them. */
export interface LookupAttempt {
  name: string;
  queries: LookupQuery[];
  verdict: 'answer' | 'NXDOMAIN' | 'NODATA' | 'SERVFAIL' | 'ERROR' | 'TIMEOUT' | 'REFUSED';
}

export interface LookupResult {
  attempts: LookupAttempt[];
  /** getaddrinfo/res_search outcome: found, HOST_NOT_FOUND, NO_DATA, TRY_AGAIN, or NO_RECOVERY. */
  outcome: 'found' | 'HOST_NOT_FOUND' | 'NO_DATA' | 'TRY_AGAIN' | 'NO_RECOVERY';
  /** The candidate that answered. */
  answeredName?: string;
}

/** Sends one query; a DnsResponse is the answer that came back, a QueryFailure says why none did. */
export type SendQuery = (name: string, type: string, nameserver: string) => DnsResponse | QueryFailure;

const NO_ANSWER: DnsResponse = { rcode: 'NOERROR', authoritative: false, truncated: false, answer: [], authority: [], additional: [], by: 'none' };

function attempt(name: string, types: string[], rc: ResolvConf, send: SendQuery): LookupAttempt {
  const nameserver = rc.nameservers[0] ?? '127.0.0.1'; // no nameserver line: glibc asks the local host
  const queries: LookupQuery[] = [];
  for (const type of types) {
    const r = send(name, type, nameserver);
    queries.push(typeof r === 'string' ? { name, type, nameserver, response: NO_ANSWER, failure: r } : { name, type, nameserver, response: r });
    // send_dg: ECONNREFUSED on the socket ends the exchange with this server before the next query goes out.
    if (r === 'refused') break;
  }
  const answered = queries.filter((q) => q.failure === undefined);
  const rs = answered.map((q) => q.response);
  let verdict: LookupAttempt['verdict'];
  if (rs.some((r) => r.rcode === 'NOERROR' && r.answer.length > 0)) verdict = 'answer';
  // __res_context_send returns -1: ECONNREFUSED or ETIMEDOUT, h_errno TRY_AGAIN without a SERVFAIL rcode.
  else if (queries.some((q) => q.failure === 'refused')) verdict = 'REFUSED';
  else if (queries.some((q) => q.failure === 'timeout')) verdict = 'TIMEOUT';
  else if (rs.every((r) => r.rcode === 'NXDOMAIN')) verdict = 'NXDOMAIN';
  else if (rs.some((r) => r.rcode === 'SERVFAIL')) verdict = 'SERVFAIL';
  else if (rs.every((r) => r.rcode === 'NOERROR' || r.rcode === 'NXDOMAIN')) verdict = 'NODATA';
  else verdict = 'ERROR';
  return { name, queries, verdict };
}

const verdictOutcome = (v: LookupAttempt['verdict']): LookupResult['outcome'] =>
  v === 'answer' ? 'found' : v === 'NXDOMAIN' ? 'HOST_NOT_FOUND' : v === 'NODATA' ? 'NO_DATA' : v === 'SERVFAIL' || v === 'TIMEOUT' || v === 'REFUSED' ? 'TRY_AGAIN' : 'NO_RECOVERY';

/** Looks `name` up: `types` ['A','AAAA'] is getaddrinfo(AF_UNSPEC); one type is res_search for it. */
export function searchLookup(name: string, types: string[], rc: ResolvConf, libc: Libc, send: SendQuery): LookupResult {
  const trailing = name.endsWith('.');
  const bare = trailing ? name.slice(0, -1) : name;
  const dots = bare.split('.').length - 1;
  const ndots = ndotsOf(rc);
  const attempts: LookupAttempt[] = [];
  const run = (n: string): LookupAttempt => {
    const a = attempt(n, types, rc, send);
    attempts.push(a);
    return a;
  };
  const found = (a: LookupAttempt): LookupResult => ({ attempts, outcome: 'found', answeredName: a.name });
  if (libc === 'musl') {
    // name_from_dns_search: enough dots or a trailing dot means as is only.
    if (dots >= ndots || trailing) {
      const a = run(`${bare}.`);
      return a.verdict === 'answer' ? found(a) : { attempts, outcome: verdictOutcome(a.verdict) };
    }
    for (const d of rc.searches) {
      const a = run(`${bare}.${d}.`.replace(/\.\.$/, '.'));
      if (a.verdict === 'answer') return found(a);
      // musl stops at the first answer that is not NXDOMAIN in either reply.
      if (!a.queries.some((q) => q.response.rcode === 'NXDOMAIN')) return { attempts, outcome: verdictOutcome(a.verdict) };
    }
    const a = run(`${bare}.`);
    return a.verdict === 'answer' ? found(a) : { attempts, outcome: verdictOutcome(a.verdict) };
  }
  // glibc __res_context_search.
  let asIs: LookupAttempt | undefined;
  if (dots >= ndots || trailing) {
    asIs = run(`${bare}.`);
    if (asIs.verdict === 'answer') return found(asIs);
    if (trailing) return { attempts, outcome: verdictOutcome(asIs.verdict) };
  }
  let gotNodata = false;
  let gotServfail = false;
  for (const d of rc.searches) {
    const a = run(`${bare}.${d}.`.replace(/\.\.$/, '.'));
    if (a.verdict === 'answer') return found(a);
    if (a.verdict === 'NODATA') gotNodata = true;
    else if (a.verdict === 'SERVFAIL') gotServfail = true;
    else if (a.verdict === 'REFUSED') return { attempts, outcome: 'TRY_AGAIN' }; // ECONNREFUSED: return at once
    else if (a.verdict !== 'NXDOMAIN') break; // anything else (a timeout too) stops the search
  }
  let last = attempts[attempts.length - 1];
  if (asIs === undefined) {
    last = run(`${bare}.`);
    if (last.verdict === 'answer') return found(last);
  }
  // saved_herrno (the first as-is error) wins, then NO_DATA, then TRY_AGAIN, else the last query's error.
  if (asIs !== undefined) return { attempts, outcome: verdictOutcome(asIs.verdict) };
  if (gotNodata) return { attempts, outcome: 'NO_DATA' };
  if (gotServfail) return { attempts, outcome: 'TRY_AGAIN' };
  return { attempts, outcome: last === undefined ? 'HOST_NOT_FOUND' : verdictOutcome(last.verdict) };
}
