import { DEVCONF_SETTINGS, GLOBAL_SYSCTLS, NEIGH_SETTINGS, neighValueFromMs, neighValueMs } from './sysctl-names.js';

/**
 * Per-namespace sysctls, with the propagation rules Linux applies: writing `net.ipv4.ip_forward` (or
 * `conf.all.forwarding`) sets `forwarding` on `all`, `default` and every device and clears
 * `all.accept_redirects` (devinet_sysctl_forward() -> inet_forward_change()); a new device copies
 * `conf.default.*` when it is created (inetdev_init()); writing `conf.default.X` (but forwarding) copies X to
 * every device that has not set X itself (devinet_copy_dflt_conf()), and a device sets them all when it gets
 * its first address (ipv4_devconf_setall()).
 */
/** Per-device settings and their defaults, from the one list of modelled sysctls (sysctl-names.ts). */
export const DEVCONF_DEFAULTS: Readonly<Record<string, number>> = Object.fromEntries(
  Object.entries(DEVCONF_SETTINGS).map(([name, def]) => [name, def.default]),
);

/** Namespace-wide sysctls and their defaults (bridge-nf-call-iptables is 1 in a fresh namespace here). */
export const GLOBAL_DEFAULTS: Readonly<Record<string, number>> = Object.fromEntries(
  Object.entries(GLOBAL_SYSCTLS).map(([name, def]) => [name, def.default]),
);

const CONF = /^net\.ipv4\.conf\.([^.]+)\.([a-z_]+)$/;
const NEIGH = /^net\.ipv4\.neigh\.([^.]+)\.([a-z_]+)$/;

/** A device's conf as the input route reads it: IN_DEV_FORWARD, IN_DEV_RPFILTER and three IN_DEV_ORCONF. */
export interface InputConf {
  readonly forwarding: boolean;
  readonly rpFilter: number;
  readonly acceptLocal: boolean;
  readonly routeLocalnet: boolean;
  readonly sendRedirects: boolean;
}

export class Sysctls {
  readonly #values = new Map<string, number>();
  /** in_dev->cnf.state: "dev.setting" pairs set explicitly, which conf.default no longer overrides. */
  readonly #explicit = new Set<string>();
  /** `net.ipv4.conf.DEV.NAME` and `net.ipv4.neigh.DEV.NAME` keys by (DEV, NAME): hot reads build no string. */
  readonly #keys = new Map<string, Map<string, string>>();
  /** Values derived from these sysctls (neighbour parms), by kind and device; any write empties it. */
  readonly #derived = new Map<string, Map<string, unknown>>();
  /** Each device's `conf` settings as read, by device then setting (read per packet); any write empties it. */
  readonly #confByDev = new Map<string, Map<string, number>>();
  /** inputConf()'s records by device; any write empties it. */
  readonly #inputConf = new Map<string, InputConf>();

  constructor() {
    for (const [k, v] of Object.entries(GLOBAL_DEFAULTS)) this.#values.set(k, v);
    for (const scope of ['all', 'default']) {
      for (const [k, v] of Object.entries(DEVCONF_DEFAULTS)) this.#values.set(`net.ipv4.conf.${scope}.${k}`, v);
    }
  }

  /** inetdev_init(): a new device starts from `conf.default`, its values and which of them were written. */
  addDevice(dev: string): void {
    this.#derived.clear();
    this.#confByDev.clear();
    this.#inputConf.clear();
    for (const k of Object.keys(DEVCONF_DEFAULTS)) {
      this.#values.set(`net.ipv4.conf.${dev}.${k}`, this.get(`net.ipv4.conf.default.${k}`));
      if (this.#explicit.has(`default.${k}`)) this.#explicit.add(`${dev}.${k}`);
    }
    // neigh_parms_alloc() copies the table's default parms, which in a namespace are the initial namespace's:
    // the kernel's defaults here.
    for (const [k, def] of Object.entries(NEIGH_SETTINGS)) this.#values.set(`net.ipv4.neigh.${dev}.${k}`, def.default);
  }

  /** ipv4_devconf_setall(): every setting of `dev` counts as explicitly set. */
  setAll(dev: string): void {
    this.#derived.clear();
    this.#confByDev.clear();
    this.#inputConf.clear();
    for (const k of Object.keys(DEVCONF_DEFAULTS)) this.#explicit.add(`${dev}.${k}`);
  }

  get(key: string): number {
    return this.#values.get(key) ?? 0;
  }

  /** Writes one sysctl with the kernel's side effects. */
  set(key: string, value: number, devices: readonly string[]): void {
    this.#derived.clear();
    this.#confByDev.clear();
    this.#inputConf.clear();
    const old = this.get(key);
    this.#values.set(key, value);
    const neigh = NEIGH.exec(key);
    const alias = neigh ? NEIGH_SETTINGS[neigh[2]]?.alias : undefined;
    if (neigh && alias !== undefined) {
      // retrans_time and retrans_time_ms (base_reachable_time and _ms) are one NEIGH_VAR, read in two units.
      this.#values.set(`net.ipv4.neigh.${neigh[1]}.${alias}`, neighValueFromMs(alias, neighValueMs(neigh[2], value)));
    }
    const m = CONF.exec(key);
    if (m) this.#explicit.add(`${m[1]}.${m[2]}`);
    if (key === 'net.ipv4.ip_forward' || (m && m[1] === 'all' && m[2] === 'forwarding')) {
      // devinet_sysctl_forward(): ip_forward and all.forwarding are one knob, pushed to every device.
      this.#values.set('net.ipv4.ip_forward', value);
      for (const scope of ['all', 'default', ...devices]) this.#values.set(`net.ipv4.conf.${scope}.forwarding`, value);
      if (value !== old) this.#values.set('net.ipv4.conf.all.accept_redirects', value ? 0 : 1);
    } else if (m && m[1] === 'default' && m[2] !== 'forwarding' && m[2] in DEVCONF_DEFAULTS) {
      for (const dev of devices) {
        if (!this.#explicit.has(`${dev}.${m[2]}`)) this.#values.set(`net.ipv4.conf.${dev}.${m[2]}`, value);
      }
    }
  }

  #key(group: 'conf' | 'neigh', dev: string, name: string): string {
    const outer = group === 'conf' ? dev : `neigh/${dev}`;
    let m = this.#keys.get(outer);
    if (m === undefined) this.#keys.set(outer, (m = new Map()));
    let k = m.get(name);
    if (k === undefined) m.set(name, (k = `net.ipv4.${group}.${dev}.${name}`));
    return k;
  }

  /** `net.ipv4.conf.DEV.NAME` (DEV may be `all` or `default`). */
  conf(dev: string, name: string): number {
    let m = this.#confByDev.get(dev);
    if (m === undefined) this.#confByDev.set(dev, (m = new Map()));
    let v = m.get(name);
    if (v === undefined) m.set(name, (v = this.get(this.#key('conf', dev, name))));
    return v;
  }

  /** `net.ipv4.neigh.DEV.NAME`. */
  neigh(dev: string, name: string): number {
    return this.get(this.#key('neigh', dev, name));
  }

  /**
   * A value computed from these sysctls only (and the constant `kind`, `dev` and `arg`), kept until the next
   * write to any sysctl of the namespace. `compute` takes its inputs as arguments, so a read makes no closure.
   */
  derived<A, T>(kind: string, dev: string, compute: (arg: A, dev: string) => T, arg: A): T {
    let m = this.#derived.get(kind);
    if (m === undefined) this.#derived.set(kind, (m = new Map()));
    const kept = m.get(dev);
    if (kept !== undefined || m.has(dev)) return kept as T;
    const v = compute(arg, dev);
    m.set(dev, v);
    return v;
  }

  /**
   * What ip_route_input_slow() and fib_validate_source() read of the input device's conf for every packet,
   * read once per device until the next write to any sysctl of the namespace.
   */
  inputConf(dev: string): InputConf {
    let c = this.#inputConf.get(dev);
    if (c === undefined) {
      c = {
        forwarding: this.forwarding(dev),
        rpFilter: this.rpFilter(dev),
        acceptLocal: this.orConf(dev, 'accept_local'),
        routeLocalnet: this.orConf(dev, 'route_localnet'),
        sendRedirects: this.orConf(dev, 'send_redirects'),
      };
      this.#inputConf.set(dev, c);
    }
    return c;
  }

  /** IN_DEV_FORWARD(): the device's own `forwarding`. */
  forwarding(dev: string): boolean {
    return this.conf(dev, 'forwarding') !== 0;
  }

  /** IN_DEV_RPFILTER(): the maximum of `all` and the device. */
  rpFilter(dev: string): number {
    return Math.max(this.conf('all', 'rp_filter'), this.conf(dev, 'rp_filter'));
  }

  /** IN_DEV_ORCONF(): set on `all` or on the device. */
  orConf(dev: string, name: string): boolean {
    return this.conf('all', name) !== 0 || this.conf(dev, name) !== 0;
  }

  /** Everything, sorted, as `sysctl -a` would list the modelled keys. */
  entries(): [string, number][] {
    return [...this.#values.entries()].sort(([a], [b]) => a.localeCompare(b));
  }
}
