// The LoadBalancer hop: an external host standing for the cloud load balancer of one Service of type
// LoadBalancer. The cloud controller writes the VIPs into the Service's status.loadBalancer.ingress (so
// kube-proxy writes its rules for them); the host then either DNATs each Service port to the nodes'
// NodePort and masquerades to itself (`nodeport`: an NLB in instance mode without client IP preservation,
// a classic ELB), or routes the VIP unchanged to a node (`vip`: a pass-through LB), whose KUBE-SERVICES
// rule for the ingress IP takes it. The other external hosts get a route to the VIPs via the LB host (the
// cloud network's routing).

import type { Ipv4Addr } from '../wire/headers.js';
import { formatIpv4 } from '../wire/ipv4-addr.js';
import type { NetnsSpec } from '../kernel/netns/world-spec.js';
import { parseRoute } from '../kernel/route/route-syntax.js';
import type { ExternalSpec, LoadBalancerSpec, Origin, ServiceObject } from './model.js';
import { probability } from './kube-proxy/index.js';

/** The Service an LB names (`NAME` in default, or `NAME.NAMESPACE`). */
export function lbService(services: readonly ServiceObject[], lb: LoadBalancerSpec): ServiceObject | undefined {
  const dot = lb.service.indexOf('.');
  const name = dot < 0 ? lb.service : lb.service.slice(0, dot);
  const ns = dot < 0 ? 'default' : lb.service.slice(dot + 1);
  return services.find((s) => s.meta.name === name && s.meta.namespace === ns);
}

/** The cloud controller: each LB's VIPs become its Service's status.loadBalancer.ingress (unless given). */
export function assignLoadBalancerIngress(services: ServiceObject[], externals: readonly ExternalSpec[], issues: { origin: Origin; message: string }[]): ServiceObject[] {
  let out = services;
  for (const e of externals) {
    const lb = e.loadBalancer;
    if (lb === undefined) continue;
    const svc = lbService(out, lb);
    if (svc === undefined || svc.type !== 'LoadBalancer') {
      issues.push({ origin: e.origin, message: `external "${e.name}": loadBalancer: service "${lb.service}" ${svc === undefined ? 'does not exist' : 'is not of type LoadBalancer'}` });
      continue;
    }
    if (svc.loadBalancerIngress === undefined) out = out.map((s) => (s === svc ? { ...s, loadBalancerIngress: lb.vips } : s));
  }
  return out;
}

/** The LB host's own state: forwarding on, no redirects, and the VIP handling of its mode. */
export function compileLoadBalancer(
  e: ExternalSpec & { loadBalancer: LoadBalancerSpec }, ns: NetnsSpec, services: readonly ServiceObject[],
  nodes: readonly { name: string; ip: Ipv4Addr }[], others: readonly NetnsSpec[], issues: { origin: Origin; message: string }[],
): void {
  const lb = e.loadBalancer;
  const svc = lbService(services, lb);
  const targets = lb.nodes === undefined ? [...nodes] : lb.nodes.flatMap((n) => nodes.filter((x) => x.name === n));
  for (const n of lb.nodes ?? []) if (!nodes.some((x) => x.name === n)) issues.push({ origin: e.origin, message: `external "${e.name}": loadBalancer: no node "${n}"` });
  if (svc === undefined || targets.length === 0) return;
  ns.sysctls['net.ipv4.ip_forward'] = 1;
  // It forwards out of the interface it received on; a cloud LB sends no ICMP redirects (ip_forward()'s
  // IPSKB_DOREDIRECT, gated by send_redirects).
  ns.sysctls['net.ipv4.conf.all.send_redirects'] = 0;
  ns.sysctls['net.ipv4.conf.eth0.send_redirects'] = 0;
  const route = (text: string) => {
    const r = parseRoute(text);
    if (!r.ok) throw new Error(`internal: ${text}: ${r.error}`);
    return r.value;
  };
  for (const other of others) for (const vip of lb.vips) other.routes.push(route(`${formatIpv4(vip)} via ${formatIpv4(e.ip)} dev eth0`));
  if (lb.mode === 'vip') {
    for (const vip of lb.vips) ns.routes.push(route(`${formatIpv4(vip)} via ${formatIpv4(targets[0].ip)} dev eth0`));
    return;
  }
  const eth0 = ns.links.find((l) => l.name === 'eth0');
  for (const vip of lb.vips) eth0?.addresses.push({ addr: vip, len: 32 });
  const rules: string[] = [];
  for (const vip of lb.vips) {
    for (const p of svc.ports) {
      if (p.nodePort === undefined) continue;
      const proto = p.protocol.toLowerCase();
      targets.forEach((t, i) => {
        const left = targets.length - i;
        const stat = left > 1 ? ` -m statistic --mode random --probability ${probability(left)}` : '';
        rules.push(`-A PREROUTING -d ${formatIpv4(vip)}/32 -p ${proto} -m ${proto} --dport ${p.port}${stat} -j DNAT --to-destination ${formatIpv4(t.ip)}:${p.nodePort}`);
      });
    }
  }
  rules.push('-A POSTROUTING -m conntrack --ctstate DNAT -j MASQUERADE');
  ns.iptables = `${ns.iptables ?? ''}*nat\n:PREROUTING ACCEPT [0:0]\n:INPUT ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n:POSTROUTING ACCEPT [0:0]\n${rules.join('\n')}\nCOMMIT\n`;
}
