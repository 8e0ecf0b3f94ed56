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
  // fib_multipath_hash(): 0 L3, 1 L4, 2 L3 or inner L3 (the same as 0 without IPIP/GRE, which are not
  // modelled), 3 custom fields (not modelled). The seed (Linux 6.11+) is random when 0.
  'net.ipv4.fib_multipath_hash_policy': { default: 0, ranges: [{ min: 0, max: 2 }] },
  'net.ipv4.fib_multipath_hash_seed': { default: 0, ranges: [{ min: 0, max: 0xffffffff }] },
};

const CONF_PREFIX = 'net.ipv4.conf.';

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
  | { kind: 'conf'; dev: string; setting: string };

/**
 * Splits a sysctl key. In the dotted form a device name's own dots are written as '/'
 * (`net.ipv4.conf.eth0/100.rp_filter`), as sysctl(8) does; the device comes back with its dots.
 * Undefined for a key that is not a modelled setting (the device is not checked here).
 */
export function parseSysctlName(key: string): SysctlName | undefined {
  if (key in GLOBAL_SYSCTLS) return { kind: 'global', name: key };
  if (!key.startsWith(CONF_PREFIX)) return undefined;
  const rest = key.slice(CONF_PREFIX.length);
  const dot = rest.lastIndexOf('.');
  if (dot <= 0) return undefined;
  const setting = rest.slice(dot + 1);
  if (!(setting in DEVCONF_SETTINGS)) return undefined;
  return { kind: 'conf', dev: rest.slice(0, dot).replaceAll('/', '.'), setting };
}

/** The definition behind a key, whatever device it names. */
export function sysctlDef(key: string): SysctlDef | undefined {
  const name = parseSysctlName(key);
  if (name === undefined) return undefined;
  return name.kind === 'global' ? GLOBAL_SYSCTLS[name.name] : DEVCONF_SETTINGS[name.setting];
}

/** True for a modelled key whose device, if any, is `all`, `default`, `lo` or one of `deviceNames`. */
export function isKnownSysctl(key: string, deviceNames: readonly string[]): boolean {
  const name = parseSysctlName(key);
  if (name === undefined) return false;
  if (name.kind === 'global') return true;
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
  return names;
}
