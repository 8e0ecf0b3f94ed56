// flanneld's rules (pkg/trafficmngr/iptables/iptables.go): with --ip-masq (kube-flannel.yml's default)
// FLANNEL-POSTRTG, appended to nat POSTROUTING, and with --iptables-forward-rules (default) FLANNEL-FWD,
// appended to filter FORWARD. `--random-fully` is there when iptables supports it (>= 1.6.2).

import type { Ipv4Prefix } from '../../wire/headers.js';
import { formatPrefix } from '../../wire/ipv4-addr.js';
import type { IptablesText } from '../iptables-text.js';

export function addFlannelRules(ipt: IptablesText, network: Ipv4Prefix, lease: Ipv4Prefix, ipMasq: boolean): void {
  const net = formatPrefix(network);
  const sub = formatPrefix(lease);
  if (ipMasq) {
    const c = '-m comment --comment "flanneld masq"';
    ipt.chain('nat', 'FLANNEL-POSTRTG');
    ipt.append('nat', 'POSTROUTING', `${c} -j FLANNEL-POSTRTG`, true);
    // masqRules(): kube-proxy's mark first (it masquerades those itself), then pod-to-pod and inbound stay.
    ipt.append('nat', 'FLANNEL-POSTRTG', `-m mark --mark 0x4000/0x4000 ${c} -j RETURN`, true);
    ipt.append('nat', 'FLANNEL-POSTRTG', `-s ${sub} -d ${net} ${c} -j RETURN`, true);
    ipt.append('nat', 'FLANNEL-POSTRTG', `-s ${net} -d ${sub} ${c} -j RETURN`, true);
    ipt.append('nat', 'FLANNEL-POSTRTG', `! -s ${net} -d ${sub} ${c} -j RETURN`, true);
    ipt.append('nat', 'FLANNEL-POSTRTG', `-s ${net} ! -d 224.0.0.0/4 ${c} -j MASQUERADE --random-fully`, true);
    ipt.append('nat', 'FLANNEL-POSTRTG', `! -s ${net} -d ${net} ${c} -j MASQUERADE --random-fully`, true);
  }
  const f = '-m comment --comment "flanneld forward"';
  ipt.chain('filter', 'FLANNEL-FWD');
  ipt.append('filter', 'FORWARD', `${f} -j FLANNEL-FWD`, true);
  ipt.append('filter', 'FLANNEL-FWD', `-s ${net} ${f} -j ACCEPT`, true);
  ipt.append('filter', 'FLANNEL-FWD', `-d ${net} ${f} -j ACCEPT`, true);
}
