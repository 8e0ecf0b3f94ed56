// The jumps from the built-in chains into kube-proxy's chains. kube-proxy does not write them in the restore
// input: on a full sync it runs EnsureChain() and EnsureRule(Prepend) for each (iptables -N, then -C || -I 1),
// so on a fresh chain the later ones end up first (proxier.go iptablesJumpChains, iptablesKubeletJumpChains).
// ipt.Monitor() keeps an empty KUBE-PROXY-CANARY chain in mangle, nat and filter: when it vanishes (someone
// flushed the tables) kube-proxy forces a full resync.

import { KUBE_EXTERNAL_SERVICES, KUBE_FIREWALL, KUBE_FORWARD, KUBE_NODEPORTS, KUBE_POSTROUTING, KUBE_PROXY_FIREWALL, KUBE_SERVICES } from './render.js';

export const KUBE_PROXY_CANARY = 'KUBE-PROXY-CANARY';
export const CANARY_TABLES = ['mangle', 'nat', 'filter'] as const;

export interface HookJump {
  table: 'filter' | 'nat';
  /** The built-in chain the jump is inserted into. */
  chain: string;
  /** The kube-proxy chain it jumps to (created first with EnsureChain). */
  target: string;
  /** The rule after `-I CHAIN 1`, quoted as iptables-save prints it. */
  spec: string;
}

const NEW = '-m conntrack --ctstate NEW';

function jump(table: HookJump['table'], chain: string, target: string, comment: string | null, extra: string | null): HookJump {
  const parts = [extra, comment === null ? null : `-m comment --comment "${comment}"`, `-j ${target}`].filter((p): p is string => p !== null);
  return { table, chain, target, spec: parts.join(' ') };
}

/** The jumps in the order kube-proxy ensures them (each one prepended). */
export function hookJumps(): HookJump[] {
  const ext = 'kubernetes externally-visible service portals';
  const portals = 'kubernetes service portals';
  const fw = 'kubernetes load balancer firewall';
  const out = [
    jump('filter', 'INPUT', KUBE_EXTERNAL_SERVICES, ext, NEW),
    jump('filter', 'FORWARD', KUBE_EXTERNAL_SERVICES, ext, NEW),
    jump('filter', 'INPUT', KUBE_NODEPORTS, 'kubernetes health check service ports', null),
    jump('filter', 'FORWARD', KUBE_SERVICES, portals, NEW),
    jump('filter', 'OUTPUT', KUBE_SERVICES, portals, NEW),
    jump('filter', 'FORWARD', KUBE_FORWARD, 'kubernetes forwarding rules', null),
    jump('filter', 'INPUT', KUBE_PROXY_FIREWALL, fw, NEW),
    jump('filter', 'OUTPUT', KUBE_PROXY_FIREWALL, fw, NEW),
    jump('filter', 'FORWARD', KUBE_PROXY_FIREWALL, fw, NEW),
    jump('nat', 'OUTPUT', KUBE_SERVICES, portals, null),
    jump('nat', 'PREROUTING', KUBE_SERVICES, portals, null),
    jump('nat', 'POSTROUTING', KUBE_POSTROUTING, 'kubernetes postrouting rules', null),
  ];
  // Copies of kubelet's KUBE-FIREWALL jumps (iptablesKubeletJumpChains), ensured whatever the settings:
  // `append(iptablesJumpChains, iptablesKubeletJumpChains...)`. The chain only gets its rule (the localhost
  // NodePort anti-martian DROP) in the restore text on IPv4 with localhost NodePorts.
  out.push(jump('filter', 'INPUT', KUBE_FIREWALL, null, null), jump('filter', 'OUTPUT', KUBE_FIREWALL, null, null));
  return out;
}

/** The jumps as iptables commands, e.g. `iptables -t nat -I PREROUTING 1 -m comment ... -j KUBE-SERVICES`. */
export function hookJumpCommands(jumps: readonly HookJump[], binary = 'iptables'): string[] {
  const out: string[] = [];
  for (const j of jumps) {
    out.push(`${binary} -w -t ${j.table} -S ${j.target} >/dev/null 2>&1 || ${binary} -w -t ${j.table} -N ${j.target}`);
    out.push(`${binary} -w -t ${j.table} -C ${j.chain} ${j.spec} || ${binary} -w -t ${j.table} -I ${j.chain} 1 ${j.spec}`);
  }
  return out;
}
