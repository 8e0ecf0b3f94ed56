// `net dns`: a pod's DNS lookups against the cluster's CoreDNS answers, and `net dns serve`, a real DNS server
// answering for a Cluster scenario.

import type { Command } from 'commander';
import { readFileSync } from 'node:fs';
import type { CompiledCluster, CompiledPod } from '../cluster/compile.js';
import { clusterDnsLocalIps, clusterDnsView, kubeDnsAddress } from '../dns/cluster-view.js';
import type { CorefileSettings } from '../dns/corefile.js';
import { kubeadmSettings, parseCorefile } from '../dns/corefile.js';
import type { DnsResponse, Upstream } from '../dns/kubernetes-plugin.js';
import { answerQuery } from '../dns/kubernetes-plugin.js';
import { renderLookup } from '../dns/render-lookup.js';
import type { ResolvConf } from '../dns/resolv-conf.js';
import { kubeletResolvConf } from '../dns/resolv-conf.js';
import type { Libc } from '../dns/search-lookup.js';
import { searchLookup } from '../dns/search-lookup.js';
import { startDnsServer } from '../dns/server.js';
import { parseUpstreamRecords, staticUpstream } from '../dns/static-upstream.js';
import type { DnsView } from '../dns/view.js';
import type { KubernetesPluginConfig } from '../dns/plugin-config.js';
import { formatIpv4 } from '../wire/ipv4-addr.js';
import { loadOrFail } from './load.js';
import { argChoice, argInt } from './parse-args.js';
import { UsageError } from './usage-error.js';

interface DnsOptions {
  corefile?: string;
  upstream?: string;
}

interface ClusterDns {
  cluster: CompiledCluster;
  view: DnsView;
  cfg: KubernetesPluginConfig;
  upstream?: Upstream;
  kubeDns: string;
}

function readText(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    throw new UsageError(`cannot read ${path}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
  }
}

function setup(file: string, opts: DnsOptions): ClusterDns {
  const sc = loadOrFail(file);
  if (sc.cluster === undefined) throw new UsageError(`${file}: net dns needs a kind: Cluster scenario`);
  const c = sc.cluster;
  let settings: CorefileSettings = kubeadmSettings(c.spec.domain);
  if (opts.corefile !== undefined) {
    const r = parseCorefile(readText(opts.corefile));
    if (!r.ok) throw new UsageError(`${opts.corefile}: 1 error`, [`${opts.corefile}:${r.error.line}:${r.error.column}: ${r.error.message}`]);
    settings = r.value;
  }
  let upstream: Upstream | undefined;
  if (opts.upstream !== undefined) {
    const r = parseUpstreamRecords(readText(opts.upstream));
    if (!r.ok) throw new UsageError(`${opts.upstream}: 1 error`, [`${opts.upstream}:${r.error.line}:${r.error.column}: ${r.error.message}`]);
    upstream = staticUpstream(r.records);
  }
  const view = clusterDnsView(c);
  const cfg = { ...settings.kubernetes };
  if (cfg.localIps.length === 0) cfg.localIps = clusterDnsLocalIps(c, view);
  return { cluster: c, view, cfg, upstream: settings.forward ? upstream : undefined, kubeDns: kubeDnsAddress(c) };
}

function findPod(c: CompiledCluster, text: string): CompiledPod {
  const ref = text.startsWith('pod/') ? text.slice(4) : text;
  const slash = ref.indexOf('/');
  const hits = slash >= 0 ? c.pods.filter((p) => p.namespace === ref.slice(0, slash) && p.name === ref.slice(slash + 1)) : c.pods.filter((p) => p.name === ref);
  const pick = hits.length > 1 ? hits.filter((p) => p.namespace === 'default') : hits;
  if (pick.length !== 1) {
    const names = c.pods.map((p) => `pod/${p.namespace === 'default' ? '' : `${p.namespace}/`}${p.name}`).join(', ');
    throw new UsageError(hits.length > 1 ? `--from ${text}: pods of that name in several namespaces; write pod/NAMESPACE/NAME` : `--from ${text}: no such pod (pods: ${names})`);
  }
  return pick[0]!;
}

/** The node's own /etc/resolv.conf is not modelled: a nameserver on the underlay gateway, no search list. */
function nodeResolvConf(c: CompiledCluster): ResolvConf {
  const gw = c.spec.underlay.gateway;
  return { nameservers: [gw === undefined ? '127.0.0.53' : formatIpv4(gw)], searches: [], options: [] };
}

export function registerDns(program: Command, out: (s: string) => void): void {
  const dns = program
    .command('dns')
    .description("a pod's DNS lookups as CoreDNS answers them (dig-style), or `dns serve`: a real DNS server")
    .argument('<scenario>', 'a kind: Cluster scenario')
    .argument('<name>', 'the name to look up, as a program in the pod would')
    .argument('[type]', 'a record type (A, AAAA, SRV, PTR, TXT...); default: A and AAAA, as getaddrinfo sends them')
    .option('--from <pod>', 'the pod that asks (required): pod/NAME or pod/NAMESPACE/NAME')
    .option('--libc <libc>', 'the pod\'s resolver: glibc (keeps searching on NODATA) or musl (stops)', argChoice('--libc', ['glibc', 'musl'] as const), 'glibc')
    .option('--corefile <file>', "a Corefile whose kubernetes block sets the plugin's options (default: kubeadm's)")
    .option('--upstream <file>', 'zone-file lines the forward plugin\'s upstream answers with (others: NXDOMAIN)')
    .addHelpText(
      'after',
      `
The pod's /etc/resolv.conf is the one kubelet writes for its dnsPolicy and dnsConfig; names with fewer dots
than ndots walk the search list first (glibc res_search), each candidate an A+AAAA pair for getaddrinfo.

Examples:
  net dns scenarios/cluster-dns.yaml --from pod/client web
  net dns scenarios/cluster-dns.yaml --from pod/client _http._tcp.web.prod.svc.cluster.local. SRV
  net dns serve scenarios/cluster-dns.yaml --port 5353`,
    )
    .action((file: string, name: string, type: string | undefined, o: DnsOptions & { from?: string; libc: Libc }) => {
      if (o.from === undefined) throw new UsageError("dns: --from pod/NAME is required (the pod whose resolver asks)");
      const d = setup(file, o);
      const pod = findPod(d.cluster, o.from);
      const spec = pod.object.spec;
      const rc = kubeletResolvConf({ namespace: pod.namespace, hostNetwork: pod.hostNetwork, dnsPolicy: spec.dnsPolicy, dnsConfig: spec.dnsConfig }, d.cluster.spec.domain, [d.kubeDns], nodeResolvConf(d.cluster));
      const clusterServers = new Set([d.kubeDns, ...d.cfg.localIps]);
      const send = (qname: string, qtype: string, server: string): DnsResponse => {
        if (clusterServers.has(server)) return answerQuery(d.view, d.cfg, { name: qname, type: qtype }, d.upstream);
        const up = d.upstream?.(qname, qtype);
        return up === undefined
          ? { rcode: 'SERVFAIL', authoritative: false, truncated: false, answer: [], authority: [], additional: [], by: 'none' }
          : { ...up, authoritative: false, additional: [], by: 'upstream' };
      };
      const types = type === undefined ? ['A', 'AAAA'] : [type.toUpperCase()];
      const res = searchLookup(name, types, rc, o.libc, send);
      out(renderLookup(`pod/${pod.namespace}/${pod.name}`, spec.dnsPolicy ?? 'ClusterFirst', rc, o.libc, name, res));
      if (res.outcome !== 'found') process.exitCode = 1;
    });
  dns
    .command('serve')
    .description('answer DNS over UDP and TCP for a Cluster scenario, as its CoreDNS would')
    .argument('<scenario>', 'a kind: Cluster scenario')
    .option('--port <n>', 'port for UDP and TCP (0: any free port)', argInt('--port', 0, 65535), 53)
    .option('--address <ip>', 'address to listen on', '127.0.0.1')
    .addHelpText('after', `
--corefile FILE and --upstream FILE (see net dns --help) apply here too. UDP answers larger than 512 bytes,
or than the client's EDNS0 size, are cut to whole records with TC set; the client retries over TCP. Zone
transfers (AXFR, IXFR) are REFUSED. SIGINT or SIGTERM closes both sockets and exits 0.

Example:
  net dns serve scenarios/cluster-dns.yaml --port 5353 --upstream scenarios/cluster-dns.upstream
  dig @127.0.0.1 -p 5353 _http._tcp.web.prod.svc.cluster.local SRV`)
    .action((file: string, _o: unknown, cmd: Command) => {
      // --corefile and --upstream belong to `net dns`; commander gives them to the parent wherever they stand.
      const o = cmd.optsWithGlobals<DnsOptions & { port: number; address: string }>();
      // Bad input throws a UsageError here, synchronously, so main() reports it (exit 2).
      const d = setup(file, o);
      startDnsServer({ address: o.address, port: o.port, answer: (q) => answerQuery(d.view, d.cfg, q, d.upstream) }).then(
        (srv) => {
          out(`;; net dns serve: ${d.cfg.zones.join(' ')} on ${srv.address} port ${srv.port} (udp, tcp)`);
          const stop = (): void => {
            void srv.close().then(() => process.exit(0));
          };
          process.once('SIGINT', stop);
          process.once('SIGTERM', stop);
        },
        (e: unknown) => {
          process.stderr.write(`net: dns serve: cannot listen on ${o.address} port ${o.port}: ${(e as NodeJS.ErrnoException).code ?? String(e)}\n`);
          process.exitCode = 2;
        },
      );
    });
}
