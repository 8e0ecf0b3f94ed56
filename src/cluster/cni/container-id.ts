// Identifiers the runtime and the CNI plugins draw at random, derived here from stable inputs so a
// scenario compiles to the same state every time. Shapes are the real ones.

import { createHash } from 'node:crypto';
import type { Ipv4Addr, MacAddr } from '../../wire/headers.js';

/** containerd's sandbox id: 64 hex digits (here sha256 of "namespace/name"). */
export function sandboxId(namespace: string, name: string): string {
  return createHash('sha256').update(`${namespace}/${name}`).digest('hex');
}

/**
 * The host-side veth of a pod: `veth` + 8 hex (plugins/pkg/ip/link_linux.go RandomVethName draws 4 random
 * bytes; here the first 4 bytes of the sandbox id).
 */
export function hostVethName(sandbox: string): string {
  return `veth${sandbox.slice(0, 8)}`;
}

/**
 * plugins/pkg/utils/utils.go FormatChainName / MustFormatChainNameWithPrefix: "CNI-" + prefix + the hex of
 * sha512(name + id), cut to 28 characters (iptables' chain name limit as the plugins keep it).
 */
export function cniChainName(netName: string, containerId: string, prefix = ''): string {
  const hex = createHash('sha512').update(netName + containerId).digest('hex');
  return `CNI-${prefix}${hex}`.slice(0, 28);
}

/** A locally administered unicast MAC from a text (flannel's mac.NewHardwareAddr draws these at random). */
export function localMac(text: string): MacAddr {
  const b = [...createHash('sha256').update(text).digest().subarray(0, 6)];
  b[0] = (b[0] & 0xfe) | 0x02;
  return b.map((x) => x.toString(16).padStart(2, '0')).join(':');
}

/** 0a:58 followed by the IPv4 address: the MAC the CNI bridge plugin gave pods before it went random. */
export function macFromIp(addr: Ipv4Addr): MacAddr {
  const b = [0x0a, 0x58, addr >>> 24, (addr >>> 16) & 255, (addr >>> 8) & 255, addr & 255];
  return b.map((x) => x.toString(16).padStart(2, '0')).join(':');
}
