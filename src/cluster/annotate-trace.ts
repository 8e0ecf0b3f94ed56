// A Cluster's traces name what a Topology's cannot: the node each hop ran on and the pod that got the
// packet (`deliveredTo.node`, `deliveredTo.pod` as namespace/name, `hop.node`), from the compiled
// cluster's map of namespaces to nodes and pods; and every hop on a kube-proxy rule names the Service port
// (and, for a KUBE-SEP chain, the endpoint and its pod) each KUBE-SVC/SVL/EXT/FW/SEP chain it mentions
// stands for: `KUBE-SVC-XPGD46QRK7WJZT7O = ns1/svc1:p80`.

import type { DeliveredTo, Hop, Leg, Trace } from '../trace/model.js';
import { formatIpv4 } from '../wire/ipv4-addr.js';
import type { ChainLabel } from './kube-proxy/index.js';

export type NetnsOwners = ReadonlyMap<string, { node: string | null; pod: string | null }>;

/** Chain name to what it stands for, e.g. `KUBE-SEP-X` to `shop/web:http -> 10.244.0.2:8080 (pod shop/web-1)`. */
export type ChainTexts = ReadonlyMap<string, string>;

const SERVICE_CHAIN = /KUBE-(?:SVC|SVL|EXT|FW|SEP|NWPLCY|POD-FW|SRC|DST)-[A-Z2-7]{16}/g;

/** The texts of a compiled cluster's kube-proxy chains, each SEP chain with the pod holding the endpoint. */
export function chainTexts(c: { serviceChains: ReadonlyMap<string, ChainLabel>; policyChains?: ReadonlyMap<string, string>; pods: readonly { ip?: number; namespace: string; name: string; hostNetwork: boolean }[] }): Map<string, string> {
  const podByIp = new Map<string, string>();
  for (const p of c.pods) if (p.ip !== undefined && !p.hostNetwork) podByIp.set(formatIpv4(p.ip), `${p.namespace}/${p.name}`);
  const out = new Map<string, string>();
  for (const [chain, l] of c.serviceChains) {
    const pod = l.endpoint === undefined ? undefined : podByIp.get(l.endpoint.slice(0, l.endpoint.lastIndexOf(':')));
    out.set(chain, pod === undefined ? l.text : `${l.text} (pod ${pod})`);
  }
  // NetworkPolicy chains and sets: `KUBE-NWPLCY-X = x/allow-y (ingress)`, `KUBE-SRC-Y = x/allow-y ingress rule 0 pods`.
  for (const [name, text] of c.policyChains ?? []) out.set(name, text);
  return out;
}

export function annotateTrace<T extends Trace>(trace: T, owners: NetnsOwners, chains?: ChainTexts): T {
  const out = { ...trace, ...annotateLeg(trace, owners, chains) };
  if (trace.reply !== null) out.reply = { ...trace.reply, ...annotateLeg(trace.reply, owners, chains) };
  // A destination given by name: each DNS query is a trace of its own.
  if (trace.dns !== undefined) out.dns = { ...trace.dns, queries: trace.dns.queries.map((q) => ({ ...q, trace: annotateTrace(q.trace, owners, chains) })) };
  return out;
}

/** ` (KUBE-SVC-X = ns/svc:port, ...)` for the kube-proxy chains `text` mentions; '' when none. */
export function chainNote(text: string, chains: ChainTexts): string {
  const seen: string[] = [];
  for (const m of text.matchAll(SERVICE_CHAIN)) {
    const t = chains.get(m[0]);
    if (t !== undefined && !seen.some((s) => s.startsWith(`${m[0]} `))) seen.push(`${m[0]} = ${t}`);
  }
  return seen.length === 0 ? '' : ` (${seen.join('; ')})`;
}

function annotateLeg(leg: Leg, owners: NetnsOwners, chains: ChainTexts | undefined): Pick<Leg, 'hops' | 'deliveredTo'> {
  const hops: Hop[] = leg.hops.map((h) => {
    const node = owners.get(h.netns)?.node ?? h.node;
    // The hop's detail only: `facts` (the detailed rule walk) stay as iptables-save prints the rules, since
    // `expect.rules` is checked against them.
    const note = chains === undefined || chains.size === 0 ? '' : chainNote(`${h.chain ?? ''} ${h.rule ?? h.detail}`, chains);
    return note === '' ? { ...h, node } : { ...h, node, detail: `${h.detail}${note}` };
  });
  let deliveredTo: DeliveredTo | null = leg.deliveredTo;
  if (deliveredTo !== null) {
    const o = owners.get(deliveredTo.netns);
    if (o !== undefined) deliveredTo = { ...deliveredTo, node: o.node, pod: o.pod };
  }
  return { hops, deliveredTo };
}
