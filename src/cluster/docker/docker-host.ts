// A Docker host's bridge networking as dockerd 29 programs it (daemon/libnetwork/drivers/bridge and its
// iptabler golden files; reference/overlay-cni-docker.md §3): docker0 with 172.17.0.1/16, user-defined
// bridges `br-<12 hex of the network id>` on the next default pools, containers with the lowest free
// address, and the DOCKER, DOCKER-FORWARD, DOCKER-BRIDGE, DOCKER-CT, DOCKER-INTERNAL and DOCKER-USER
// chains, the raw direct-access drops, published ports (DNAT, ACCEPT, the hairpin MASQUERADE without the
// userland proxy) and the per-network MASQUERADE.

import { createHash } from 'node:crypto';
import type { Ipv4Addr, Ipv4Prefix } from '../../wire/headers.js';
import { formatIpv4, formatPrefix, inPrefix, parseIpv4, prefixNetwork } from '../../wire/ipv4-addr.js';
import type { NetnsSpec } from '../../kernel/netns/world-spec.js';
import { parseRoute } from '../../kernel/route/route-syntax.js';
import type { IptablesText } from '../iptables-text.js';
import type { DockerHostSpec, Origin } from '../model.js';
import { localMac } from '../cni/container-id.js';

export const DOCKER0 = 'docker0';
const DEFAULT_BRIDGE_SUBNET: Ipv4Prefix = { addr: parseIpv4('172.17.0.0')!, len: 16 };

export interface DockerNetworkState {
  name: string;
  bridge: string;
  subnet: Ipv4Prefix;
  gateway: Ipv4Addr;
}

export interface DockerContainerState {
  name: string;
  host: string;
  network: string;
  ip: Ipv4Addr;
  netns: string;
}

export interface DockerIssue {
  origin: Origin;
  message: string;
}

/** Networks with their bridges and subnets: docker0 first, then the user-defined ones in creation order. */
export function dockerNetworks(host: string, spec: DockerHostSpec, issues: DockerIssue[]): DockerNetworkState[] {
  const out: DockerNetworkState[] = [{ name: 'bridge', bridge: DOCKER0, subnet: DEFAULT_BRIDGE_SUBNET, gateway: DEFAULT_BRIDGE_SUBNET.addr + 1 }];
  const used = new Set<number>([DEFAULT_BRIDGE_SUBNET.addr]);
  for (const n of spec.networks) if (n.subnet !== undefined) used.add(prefixNetwork(n.subnet));
  // defaultipam's local pools: 172.17.0.0/16 .. 172.31.0.0/16, one /16 each, first free.
  let next = parseIpv4('172.18.0.0')!;
  for (const n of spec.networks) {
    let subnet = n.subnet;
    if (subnet === undefined) {
      while (used.has(next)) next += 0x10000;
      if (next > parseIpv4('172.31.0.0')!) {
        issues.push({ origin: n.origin, message: `docker network "${n.name}": the default address pools are exhausted; give a subnet` });
        continue;
      }
      subnet = { addr: next, len: 16 };
      used.add(next);
    }
    // The network id is 64 hex digits; the bridge is "br-" and its first 12.
    const id = createHash('sha256').update(`docker-network/${host}/${n.name}`).digest('hex');
    out.push({ name: n.name, bridge: `br-${id.slice(0, 12)}`, subnet, gateway: prefixNetwork(subnet) + 1 });
  }
  return out;
}

/**
 * Adds a Docker host's bridges, containers and rules to its namespace `host` and returns the containers'
 * own namespaces. `ipt` is the host's rule builder.
 */
export function compileDockerHost(
  hostName: string,
  host: NetnsSpec,
  ipt: IptablesText,
  spec: DockerHostSpec,
  issues: DockerIssue[],
): { containers: DockerContainerState[]; namespaces: NetnsSpec[]; networks: DockerNetworkState[] } {
  const networks = dockerNetworks(hostName, spec, issues);
  const proxy = spec.userlandProxy;
  host.sysctls['net.ipv4.ip_forward'] = 1;
  // br_netfilter is loaded (and bridge-nf-call-iptables set) only for icc=false or userland-proxy=false.
  host.sysctls['net.bridge.bridge-nf-call-iptables'] = !spec.icc || !proxy ? 1 : 0;

  // firewall_linux.go / iptabler.go: the chains and the top-level jumps (inserted: DOCKER-USER ends up first).
  for (const c of ['DOCKER', 'DOCKER-BRIDGE', 'DOCKER-CT', 'DOCKER-FORWARD', 'DOCKER-INTERNAL', 'DOCKER-USER']) ipt.chain('filter', c);
  ipt.insert('filter', 'FORWARD', '-j DOCKER-FORWARD');
  ipt.insert('filter', 'FORWARD', '-j DOCKER-USER');
  ipt.append('filter', 'DOCKER-FORWARD', '-j DOCKER-CT');
  ipt.append('filter', 'DOCKER-FORWARD', '-j DOCKER-INTERNAL');
  ipt.append('filter', 'DOCKER-FORWARD', '-j DOCKER-BRIDGE');
  ipt.chain('nat', 'DOCKER');
  ipt.append('nat', 'PREROUTING', '-m addrtype --dst-type LOCAL -j DOCKER');
  ipt.append('nat', 'OUTPUT', `${proxy ? '! -d 127.0.0.0/8 ' : ''}-m addrtype --dst-type LOCAL -j DOCKER`);

  for (const n of networks) {
    host.links.push({ name: n.bridge, type: 'bridge', addresses: [{ addr: n.gateway, len: n.subnet.len }], mac: localMac(`bridge/${hostName}/${n.bridge}`), mtu: 1500 });
    const br = n.bridge;
    ipt.append('filter', 'DOCKER', `! -i ${br} -o ${br} -j DROP`);
    ipt.append('filter', 'DOCKER-BRIDGE', `-o ${br} -j DOCKER`);
    ipt.append('filter', 'DOCKER-CT', `-o ${br} -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT`);
    if (spec.icc) ipt.append('filter', 'DOCKER-FORWARD', `-i ${br} -j ACCEPT`);
    else {
      ipt.append('filter', 'DOCKER-FORWARD', `-i ${br} -o ${br} -j DROP`);
      ipt.append('filter', 'DOCKER-FORWARD', `-i ${br} ! -o ${br} -j ACCEPT`);
    }
    if (!proxy) {
      ipt.append('nat', 'POSTROUTING', `-o ${br} -m addrtype --src-type LOCAL -j MASQUERADE`);
      // setupLoopbackAddressesRouting: so a DNAT of 127.0.0.1:port can leave by the bridge.
      host.sysctls[`net.ipv4.conf.${br.replaceAll('.', '/')}.route_localnet`] = 1;
    }
    ipt.append('nat', 'POSTROUTING', `-s ${formatPrefix(n.subnet)} ! -o ${br} -j MASQUERADE`);
  }

  const containers: DockerContainerState[] = [];
  const namespaces: NetnsSpec[] = [];
  const usedIps = new Map<string, Set<number>>(networks.map((n) => [n.name, new Set([n.gateway])]));
  // Addresses asked for are taken first; the others get the lowest free (defaultipam, non-serial).
  for (const c of spec.containers) {
    const n = networks.find((x) => x.name === c.network);
    if (n === undefined || c.ip === undefined) continue;
    if (!inPrefix(c.ip, n.subnet) || usedIps.get(n.name)!.has(c.ip)) {
      issues.push({ origin: c.origin, message: `container "${c.name}": ip ${formatIpv4(c.ip)} is not free in network "${n.name}" (${formatPrefix(n.subnet)})` });
    }
    usedIps.get(n.name)!.add(c.ip);
  }
  for (const c of spec.containers) {
    const n = networks.find((x) => x.name === c.network);
    if (n === undefined) {
      issues.push({ origin: c.origin, message: `container "${c.name}": no network "${c.network}" on host ${hostName} (networks: ${networks.map((x) => x.name).join(', ')})` });
      continue;
    }
    let ip = c.ip;
    if (ip === undefined) {
      const used = usedIps.get(n.name)!;
      for (let a = prefixNetwork(n.subnet) + 1; inPrefix(a + 1, n.subnet); a++) {
        if (!used.has(a)) {
          ip = a;
          break;
        }
      }
      if (ip === undefined) {
        issues.push({ origin: c.origin, message: `container "${c.name}": network "${n.name}" is full` });
        continue;
      }
      used.add(ip);
    }
    // bridge_linux.go: the host end is "veth" + 7 hex (vethLen = 4 + 7); hairpin only without the proxy.
    const veth = `veth${createHash('sha256').update(`docker-endpoint/${hostName}/${c.name}`).digest('hex').slice(0, 7)}`;
    const link = { name: veth, type: 'veth' as const, addresses: [], peer: { netns: c.name, dev: 'eth0' }, master: n.bridge, mtu: 1500, ...(proxy ? {} : { hairpin: true }) };
    host.links.push(link);
    const ns: NetnsSpec = { name: c.name, sysctls: {}, links: [], routes: [], rules: [], neigh: [], fdb: [], listen: [...c.listen] };
    ns.links.push({ name: 'eth0', type: 'veth', addresses: [{ addr: ip, len: n.subnet.len }], peer: { netns: host.name, dev: veth }, mac: localMac(`docker-mac/${hostName}/${c.name}`), mtu: 1500 });
    const r = parseRoute(`default via ${formatIpv4(n.gateway)} dev eth0`);
    if (r.ok) ns.routes.push(r.value);
    namespaces.push(ns);
    containers.push({ name: c.name, host: hostName, network: n.name, ip, netns: c.name });

    const cip = formatIpv4(ip);
    const br = n.bridge;
    // 28.2+: direct access to the container from outside its bridge is dropped in raw PREROUTING.
    ipt.append('raw', 'PREROUTING', `-d ${cip}/32 ! -i ${br} -j DROP`);
    for (const p of c.publish) {
      const match = (port: number) => `-p ${p.protocol} -m ${p.protocol} --dport ${port}`;
      ipt.insert('filter', 'DOCKER', `-d ${cip}/32 ! -i ${br} -o ${br} ${match(p.containerPort)} -j ACCEPT`);
      const d = p.hostIP === undefined ? '' : `-d ${formatIpv4(p.hostIP)}/32 `;
      ipt.append('nat', 'DOCKER', `${d}${proxy ? `! -i ${br} ` : ''}${match(p.hostPort)} -j DNAT --to-destination ${cip}:${p.containerPort}`);
      if (!proxy) ipt.append('nat', 'POSTROUTING', `-s ${cip}/32 -d ${cip}/32 ${match(p.containerPort)} -j MASQUERADE`);
      if (p.hostIP === parseIpv4('127.0.0.1')) ipt.append('raw', 'PREROUTING', `-d 127.0.0.1/32 ! -i lo ${match(p.hostPort)} -j DROP`);
      // docker-proxy listens on the published address: what DNAT does not catch (the host's own
      // 127.0.0.1, a container hairpinning through the host) reaches it.
      if (proxy && !host.listen.some((l) => l.proto === p.protocol && l.port === p.hostPort)) {
        host.listen.push({ proto: p.protocol, port: p.hostPort, addr: p.hostIP ?? 0 });
      }
    }
  }
  return { containers, namespaces, networks };
}
