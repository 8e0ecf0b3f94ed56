// What the DNS kernel agreement check (test/kernel/dns-agreement.test.ts) needs from the emulator: for a
// shipped DNS cluster, the query our trace sends for one search-list candidate (which client namespace, to
// which nameserver, DNATed to which CoreDNS pod, answered from which address, with which records), and the
// script that builds the cluster in real namespaces like `net verify` does, without the listener on the
// CoreDNS pod's port 53 (the test runs `net dns serve` there instead).

import { runNamedTrace } from '../dns/named-trace.js';
import { buildWorld } from '../kernel/index.js';
import type { WorldSpec } from '../kernel/index.js';
import type { Scenario } from '../scenario/model.js';
import { oracleRealizeOptions } from './environment.js';
import { renderRealizeScript } from './realize.js';

export interface DnsAgreementPlan {
  /** The namespaces of the World (before the prefix) of the client and of the CoreDNS pod that answers. */
  clientNetns: string;
  corednsNetns: string;
  /** The CoreDNS pod ("kube-system/coredns-...") and its address, where the test's server listens. */
  corednsPod: string;
  corednsAddr: string;
  /** The nameserver the client asks (the kube-dns ClusterIP) and the source the answer comes back from. */
  nameserver: string;
  answerFrom: string;
  /** The question and the answer records our resolver gives, as dig prints them (single spaces). */
  qname: string;
  qtype: string;
  answer: string[];
  /** `bash SCRIPT up|down` builds and removes the World in namespaces named PREFIX+NAME. */
  script: string;
}

/**
 * Plans the check on `sc` for the name `name` from the pod namespace `from`: the first query of our trace
 * that CoreDNS answers with records. Undefined (with why) when the trace has none.
 */
export function dnsAgreementPlan(sc: Scenario, from: string, name: string, prefix: string, hasDummy: boolean): DnsAgreementPlan | string {
  if (sc.cluster === undefined) return `${sc.file} is not a Cluster`;
  const world = buildWorld(sc.world);
  const { trace } = runNamedTrace(world, sc.cluster, name, { from, dst: 0, proto: 'tcp', dport: 80 });
  const q = trace.dns?.queries.find((x) => x.response !== null && x.response.answer.length > 0 && x.answeredBy?.pod !== null);
  if (q === undefined || q.answeredBy === null || q.trace.deliveredTo === null || q.trace.reply?.deliveredTo == null) return `no query for ${name} from ${from} is answered by a CoreDNS pod`;
  const corednsNetns = q.answeredBy.netns;
  const spec: WorldSpec = {
    ...sc.world,
    namespaces: sc.world.namespaces.map((n) => (n.name === corednsNetns ? { ...n, listen: n.listen.filter((l) => l.port !== 53) } : n)),
  };
  return {
    clientNetns: from,
    corednsNetns,
    corednsPod: q.answeredBy.pod ?? corednsNetns,
    corednsAddr: q.trace.deliveredTo.addr.split(':')[0],
    nameserver: q.server.split(':')[0],
    answerFrom: q.trace.reply.deliveredTo.peerSeen,
    qname: q.qname,
    qtype: q.qtype,
    answer: q.response?.answer ?? [],
    script: renderRealizeScript(spec, prefix, oracleRealizeOptions(hasDummy)),
  };
}
