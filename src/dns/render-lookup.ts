// dig-style text for what a pod's resolver sent and got back (`net dns --from pod/NAME`).

import type { DnsResponse } from './kubernetes-plugin.js';
import type { ResolvConf } from './resolv-conf.js';
import { formatResolvConf, ndotsOf } from './resolv-conf.js';
import { rrText } from './rr.js';
import type { Libc, LookupResult } from './search-lookup.js';

/** dig's header and sections for one response. */
export function renderResponse(r: DnsResponse): string[] {
  const flags = ['qr', ...(r.authoritative ? ['aa'] : []), ...(r.truncated ? ['tc'] : []), 'rd'];
  const lines = [`;; ->>HEADER<<- opcode: QUERY, status: ${r.rcode}, flags: ${flags.join(' ')}; ANSWER: ${r.answer.length}, AUTHORITY: ${r.authority.length}, ADDITIONAL: ${r.additional.length}`];
  const section = (title: string, rrs: DnsResponse['answer']): void => {
    if (rrs.length === 0) return;
    lines.push(`;; ${title} SECTION:`);
    for (const rr of rrs) lines.push(rrText(rr));
  };
  section('ANSWER', r.answer);
  section('AUTHORITY', r.authority);
  section('ADDITIONAL', r.additional);
  return lines;
}

const why = (r: DnsResponse): string => {
  if (r.by === 'upstream') return ' (from upstream, via forward)';
  if (r.by === 'none') return ' (nobody answered this: no zone and no upstream)';
  if (r.rcode === 'NOERROR' && r.answer.length === 0) return ' (NODATA: the name exists, not this type)';
  return '';
};

export function renderLookup(pod: string, policy: string, rc: ResolvConf, libc: Libc, name: string, res: LookupResult): string {
  const out: string[] = [`;; /etc/resolv.conf of ${pod} (dnsPolicy ${policy}):`];
  for (const l of formatResolvConf(rc).trimEnd().split('\n')) out.push(`;;   ${l}`);
  const dots = (name.endsWith('.') ? name.slice(0, -1) : name).split('.').length - 1;
  const ndots = ndotsOf(rc);
  const order = name.endsWith('.') ? 'a trailing dot: asked as is only' : dots >= ndots ? `${dots} dots >= ndots ${ndots}: as is first, then the search list` : `${dots} dots < ndots ${ndots}: the search list first, then as is`;
  out.push(`;; ${libc}: "${name}" has ${order.replace(/^1 dots/, "1 dot")}`);
  let n = 0;
  for (const a of res.attempts) {
    for (const q of a.queries) {
      n++;
      out.push('', `;; query ${n}: ${q.name} IN ${q.type} -> ${q.nameserver}:53 (udp)`);
      if (q.failure !== undefined) {
        out.push(q.failure === 'timeout' ? ';; connection timed out; no servers could be reached' : ';; communications error: connection refused (ICMP port unreachable)');
        continue;
      }
      renderResponse(q.response).forEach((l, i) => out.push(i === 0 ? `${l}${why(q.response)}` : l));
    }
    out.push(`;; => ${a.name} ${a.verdict === 'answer' ? 'answered' : a.verdict}`);
  }
  out.push('', res.outcome === 'found' ? `;; result: found at ${res.answeredName} after ${n} queries` : `;; result: ${res.outcome} after ${n} queries`);
  return out.join('\n');
}
