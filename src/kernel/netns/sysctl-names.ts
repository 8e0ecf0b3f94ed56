// The sysctls packetwalk models, their values in a fresh namespace and the values the kernel accepts.
// Device settings (net.ipv4.conf.*) are stated explicitly: a real namespace copies them from the root
// namespace at creation (devconf_inherit_init_net=0), so "the default" is only ever what a scenario says
// or these values (reference/kernel-notes.md).

/** An inclusive range of accepted values; a setting may accept several (arp_ignore: 0..3 and 8). */
export interface SysctlRange {
  min: number;
  max: number;
}

export interface SysctlDef {
  default: number;
  ranges: readonly SysctlRange[];
}

const BOOL: readonly SysctlRange[] = [{ min: 0, max: 1 }];

// --- Source address selection for ARP requests and ICMP errors (issue 8) ---
/** Which source address an ARP request names; the kernel uses max(all, dev) (IN_DEV_ARP_ANNOUNCE). */
const SOURCE_SELECTION_DEVCONF: Readonly<Record<string, SysctlDef>> = {
  // arp_solicit(): 0 any local address (the queued packet's source), 1 one in the target's subnet, 2 the
  // device's primary address for the target.
  arp_announce: { default: 0, ranges: [{ min: 0, max: 2 }] },
};
/** Namespace-wide: the source of ICMP errors about packets not addressed to us (__icmp_send()). */
const SOURCE_SELECTION_GLOBALS: Readonly<Record<string, SysctlDef>> = {
  'net.ipv4.icmp_errors_use_inbound_ifaddr': { default: 0, ranges: BOOL },
};
// --- end of source address selection ---

/** Per-device IPv4 settings (include/uapi/linux/ip.h IPV4_DEVCONF_*), under net.ipv4.conf.{all,default,DEV}. */
export const DEVCONF_SETTINGS: Readonly<Record<string, SysctlDef>> = {
  // 0 off, 1 strict (RFC 3704), 2 loose; the kernel uses max(all, dev).
  rp_filter: { default: 0, ranges: [{ min: 0, max: 2 }] },
  forwarding: { default: 0, ranges: BOOL },
  route_localnet: { default: 0, ranges: BOOL },
  accept_local: { default: 0, ranges: BOOL },
  send_redirects: { default: 1, ranges: BOOL },
  accept_redirects: { default: 1, ranges: BOOL },
  proxy_arp: { default: 0, ranges: BOOL },
  // Documentation/networking/ip-sysctl.rst: 0..3 and 8; 4..7 are reserved.
  arp_ignore: { default: 0, ranges: [{ min: 0, max: 3 }, { min: 8, max: 8 }] },
  // __inet_del_ifa(): removing a primary address promotes a secondary of its subnet instead of removing them all.
  promote_secondaries: { default: 0, ranges: BOOL },
  ...SOURCE_SELECTION_DEVCONF,
};

/** Namespace-wide settings. */
export const GLOBAL_SYSCTLS: Readonly<Record<string, SysctlDef>> = {
  'net.ipv4.ip_forward': { default: 0, ranges: BOOL },
  'net.ipv4.ip_default_ttl': { default: 64, ranges: [{ min: 1, max: 255 }] },
  'net.ipv4.ip_nonlocal_bind': { default: 0, ranges: BOOL },
  // Per namespace on this kernel, and 1 in a fresh one (kernel-notes.md).
  'net.bridge.bridge-nf-call-iptables': { default: 1, ranges: BOOL },
  'net.netfilter.nf_conntrack_tcp_loose': { default: 1, ranges: BOOL },
  'net.netfilter.nf_conntrack_tcp_be_liberal': { default: 0, ranges: BOOL },
  // udp_timeouts[] in nf_conntrack_proto_udp.c, in seconds (proc_dointvec_jiffies: up to INT_MAX / HZ).
  'net.netfilter.nf_conntrack_udp_timeout': { default: 30, ranges: [{ min: 0, max: 2147483 }] },
  'net.netfilter.nf_conntrack_udp_timeout_stream': { default: 120, ranges: [{ min: 0, max: 2147483 }] },
  ...SOURCE_SELECTION_GLOBALS,
  // fib_multipath_hash(): 0 L3, 1 L4, 2 L3 or inner L3 (the same as 0 without IPIP/GRE, which are not
  // modelled), 3 custom fields (not modelled). The seed (Linux 6.11+) is random when 0.
  'net.ipv4.fib_multipath_hash_policy': { default: 0, ranges: [{ min: 0, max: 2 }] },
  'net.ipv4.fib_multipath_hash_seed': { default: 0, ranges: [{ min: 0, max: 0xffffffff }] },
};

const CONF_PREFIX = 'net.ipv4.conf.';

// --- neighbour parameters (net.ipv4.neigh.DEV.*) ------------------------------------------------------------
// net/core/neighbour.c neigh_sysctl_table[]: the ARP table's per-device parameters (struct neigh_parms), with
// arp_tbl's defaults (net/ipv4/arp.c). Ranges are what the kernel accepts and the model can run: the probe
// counts take 0..INT_MAX (proc_dointvec_minmax); the *_ms and USER_HZ entries 0..INT_MAX; the entries in
// seconds at most INT_MAX/HZ, written here for HZ=1000 (2147483), which holds whatever the kernel's HZ. The
// kernel also takes negative values for some of the time entries (a negative delay); they are not modelled.

const INT_MAX = 2147483647;
const SECONDS_MAX = Math.floor(INT_MAX / 1000);

/** How a neighbour parameter's value reads: a count, milliseconds, seconds, or USER_HZ ticks (1/100 s). */
export type NeighUnit = 'count' | 'ms' | 's' | 'userhz';

export interface NeighSettingDef extends SysctlDef {
  unit: NeighUnit;
  /** The other name of the same parameter (retrans_time and retrans_time_ms are one NEIGH_VAR). */
  alias?: string;
}

/** The modelled `net.ipv4.neigh.DEV.*` settings; a device that does not set them has these values. */
export const NEIGH_SETTINGS: Readonly<Record<string, NeighSettingDef>> = {
  mcast_solicit: { default: 3, ranges: [{ min: 0, max: INT_MAX }], unit: 'count' },
  ucast_solicit: { default: 3, ranges: [{ min: 0, max: INT_MAX }], unit: 'count' },
  app_solicit: { default: 0, ranges: [{ min: 0, max: INT_MAX }], unit: 'count' },
  retrans_time_ms: { default: 1000, ranges: [{ min: 0, max: INT_MAX }], unit: 'ms', alias: 'retrans_time' },
  retrans_time: { default: 100, ranges: [{ min: 0, max: INT_MAX }], unit: 'userhz', alias: 'retrans_time_ms' },
  base_reachable_time_ms: { default: 30000, ranges: [{ min: 0, max: INT_MAX }], unit: 'ms', alias: 'base_reachable_time' },
  base_reachable_time: { default: 30, ranges: [{ min: 0, max: SECONDS_MAX }], unit: 's', alias: 'base_reachable_time_ms' },
  delay_first_probe_time: { default: 5, ranges: [{ min: 0, max: SECONDS_MAX }], unit: 's' },
  gc_stale_time: { default: 60, ranges: [{ min: 0, max: SECONDS_MAX }], unit: 's' },
  locktime: { default: 100, ranges: [{ min: 0, max: INT_MAX }], unit: 'userhz' },
};

const NEIGH_PREFIX = 'net.ipv4.neigh.';

/** A neighbour setting's value in milliseconds (counts come back as they are). */
export function neighValueMs(setting: string, value: number): number {
  switch (NEIGH_SETTINGS[setting]?.unit) {
    case 's':
      return value * 1000;
    case 'userhz':
      return value * 10;
    default:
      return value;
  }
}

/** The value of `setting` that stands for `ms` milliseconds (truncated, as jiffies_to_clock_t() reads it). */
export function neighValueFromMs(setting: string, ms: number): number {
  switch (NEIGH_SETTINGS[setting]?.unit) {
    case 's':
      return Math.floor(ms / 1000);
    case 'userhz':
      return Math.floor(ms / 10);
    default:
      return ms;
  }
}

/**
 * The reason a namespace refuses `net.ipv4.neigh.default.*`: only the initial namespace has the table's
 * default parms in /proc (neigh_sysctl_register() registers "default" for init_net only), and a namespace's
 * devices start from the initial namespace's values.
 */
export function neighDefaultRefusal(key: string): string {
  const path = `/proc/sys/${key.replaceAll('.', '/')}`;
  return `sysctl: cannot stat ${path}: No such file or directory (a network namespace has no neigh.default: its devices start from the initial namespace's values; set net.ipv4.neigh.DEV.* per device)`;
}
// --- end of neighbour parameters ------------------------------------------------------------------------------

/**
 * The value of every modelled sysctl in a fresh namespace, device settings under `all` and `default`
 * (a new device takes `default`'s values).
 */
export const SYSCTL_DEFAULTS: Readonly<Record<string, number>> = Object.freeze(buildDefaults());

function buildDefaults(): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [name, def] of Object.entries(GLOBAL_SYSCTLS)) out[name] = def.default;
  for (const dev of ['all', 'default']) {
    for (const [setting, def] of Object.entries(DEVCONF_SETTINGS)) out[`${CONF_PREFIX}${dev}.${setting}`] = def.default;
  }
  return out;
}

export type SysctlName =
  | { kind: 'global'; name: string }
  | { kind: 'conf'; dev: string; setting: string }
  | { kind: 'neigh'; dev: string; setting: string };

/**
 * Splits a sysctl key. In the dotted form a device name's own dots are written as '/'
 * (`net.ipv4.conf.eth0/100.rp_filter`), as sysctl(8) does; the device comes back with its dots.
 * Undefined for a key that is not a modelled setting (the device is not checked here).
 */
export function parseSysctlName(key: string): SysctlName | undefined {
  if (key in GLOBAL_SYSCTLS) return { kind: 'global', name: key };
  const kind = key.startsWith(CONF_PREFIX) ? 'conf' : key.startsWith(NEIGH_PREFIX) ? 'neigh' : undefined;
  if (kind === undefined) return undefined;
  const rest = key.slice((kind === 'conf' ? CONF_PREFIX : NEIGH_PREFIX).length);
  const dot = rest.lastIndexOf('.');
  if (dot <= 0) return undefined;
  const setting = rest.slice(dot + 1);
  if (!(setting in (kind === 'conf' ? DEVCONF_SETTINGS : NEIGH_SETTINGS))) return undefined;
  return { kind, dev: rest.slice(0, dot).replaceAll('/', '.'), setting };
}

/** The definition behind a key, whatever device it names. */
export function sysctlDef(key: string): SysctlDef | undefined {
  const name = parseSysctlName(key);
  if (name === undefined) return undefined;
  if (name.kind === 'global') return GLOBAL_SYSCTLS[name.name];
  return name.kind === 'conf' ? DEVCONF_SETTINGS[name.setting] : NEIGH_SETTINGS[name.setting];
}

/** True for a modelled key whose device, if any, is `all`, `default`, `lo` or one of `deviceNames`. */
export function isKnownSysctl(key: string, deviceNames: readonly string[]): boolean {
  const name = parseSysctlName(key);
  if (name === undefined) return false;
  if (name.kind === 'global') return true;
  // neigh has no `all`, and `default` only in the initial namespace (neighDefaultRefusal()).
  if (name.kind === 'neigh') return name.dev === 'lo' || deviceNames.includes(name.dev);
  // Every namespace has lo, so its settings exist even when a scenario does not list it.
  return name.dev === 'all' || name.dev === 'default' || name.dev === 'lo' || deviceNames.includes(name.dev);
}

/** True when the kernel would accept `value` for the setting behind `key`. */
export function isSysctlValueAllowed(key: string, value: number): boolean {
  const def = sysctlDef(key);
  return def !== undefined && Number.isInteger(value) && def.ranges.some((r) => value >= r.min && value <= r.max);
}

/** "0..2" or "0..3 or 8", for messages. */
export function formatSysctlRanges(def: SysctlDef): string {
  return def.ranges.map((r) => (r.min === r.max ? String(r.min) : `${r.min}..${r.max}`)).join(' or ');
}

/** Every key a namespace with these devices accepts, for "did you mean" suggestions. */
export function knownSysctlNames(deviceNames: readonly string[]): string[] {
  const names = Object.keys(GLOBAL_SYSCTLS);
  for (const dev of ['all', 'default', 'lo', ...deviceNames]) {
    for (const setting of Object.keys(DEVCONF_SETTINGS)) names.push(`${CONF_PREFIX}${dev.replaceAll('.', '/')}.${setting}`);
  }
  for (const dev of ['lo', ...deviceNames]) {
    for (const setting of Object.keys(NEIGH_SETTINGS)) names.push(`${NEIGH_PREFIX}${dev.replaceAll('.', '/')}.${setting}`);
  }
  return names;
}
