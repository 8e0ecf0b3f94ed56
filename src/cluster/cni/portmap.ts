// The portmap CNI plugin for a pod with hostPorts (plugins/meta/portmap/portmap_iptables.go, defaults
// snat=true, markMasqBit=13): CNI-HOSTPORT-DNAT reached from PREROUTING and OUTPUT for local destinations,
// one CNI-DN-<hash> chain per pod that marks hairpin and localhost traffic for masquerade and DNATs to the
// pod, and CNI-HOSTPORT-MASQ (inserted at the top of POSTROUTING) masquerading what was marked.

import type { Ipv4Addr, Ipv4Prefix } from '../../wire/headers.js';
import { formatIpv4, formatPrefix, prefixNetwork } from '../../wire/ipv4-addr.js';
import type { IptablesText } from '../iptables-text.js';
import { cniChainName } from './container-id.js';

export interface HostPortMapping {
  protocol: 'tcp' | 'udp';
  hostPort: number;
  containerPort: number;
  hostIP?: Ipv4Addr;
}

const MARK = '0x2000/0x2000';
/** chain.go: multiport takes at most 15 ports per rule. */
const MULTIPORT_MAX = 15;

/** Adds one pod's port mappings to the node's rules; `netName` is the conflist's name ("cbr0"). */
export function addPortMappings(
  ipt: IptablesText,
  netName: string,
  containerId: string,
  podIP: Ipv4Addr,
  podSubnet: Ipv4Prefix,
  mappings: readonly HostPortMapping[],
): void {
  if (mappings.length === 0) return;
  // The top-level chains, created once per node (portmap_iptables.go forwardPorts / setupSNAT...).
  ipt.chain('nat', 'CNI-HOSTPORT-DNAT').chain('nat', 'CNI-HOSTPORT-SETMARK').chain('nat', 'CNI-HOSTPORT-MASQ');
  ipt.append('nat', 'CNI-HOSTPORT-SETMARK', `-m comment --comment "CNI portfwd masquerade mark" -j MARK --set-xmark ${MARK}`, true);
  ipt.append('nat', 'CNI-HOSTPORT-MASQ', `-m mark --mark ${MARK} -j MASQUERADE`, true);
  const masqJump = '-m comment --comment "CNI portfwd requiring masquerade" -j CNI-HOSTPORT-MASQ';
  if (!ipt.has('nat', 'POSTROUTING', masqJump)) ipt.insert('nat', 'POSTROUTING', masqJump);
  const dnatJump = '-m addrtype --dst-type LOCAL -j CNI-HOSTPORT-DNAT';
  ipt.append('nat', 'PREROUTING', dnatJump, true);
  ipt.append('nat', 'OUTPUT', dnatJump, true);

  const dn = cniChainName(netName, containerId, 'DN-');
  ipt.chain('nat', dn);
  const comment = `-m comment --comment "dnat name: \\"${netName}\\" id: \\"${containerId}\\""`;
  for (const proto of ['tcp', 'udp'] as const) {
    const ports = mappings.filter((m) => m.protocol === proto).map((m) => m.hostPort);
    for (let i = 0; i < ports.length; i += MULTIPORT_MAX) {
      const chunk = ports.slice(i, i + MULTIPORT_MAX);
      ipt.append('nat', 'CNI-HOSTPORT-DNAT', `-p ${proto} ${comment} -m multiport --dports ${chunk.join(',')} -j ${dn}`);
    }
  }
  const subnet = formatPrefix({ addr: prefixNetwork(podSubnet), len: podSubnet.len });
  for (const m of mappings) {
    const d = m.hostIP === undefined ? '' : `-d ${formatIpv4(m.hostIP)}/32 `;
    const match = `-p ${m.protocol} -m ${m.protocol} --dport ${m.hostPort}`;
    ipt.append('nat', dn, `-s ${subnet} ${d}${match} -j CNI-HOSTPORT-SETMARK`);
    ipt.append('nat', dn, `-s 127.0.0.1/32 ${d}${match} -j CNI-HOSTPORT-SETMARK`);
    ipt.append('nat', dn, `${d}${match} -j DNAT --to-destination ${formatIpv4(podIP)}:${m.containerPort}`);
  }
}
