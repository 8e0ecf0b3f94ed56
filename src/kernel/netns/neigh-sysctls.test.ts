import { describe, expect, it } from 'vitest';
import { NEIGH_SETTINGS, isKnownSysctl, knownSysctlNames, neighDefaultRefusal, parseSysctlName, sysctlDef } from './sysctl-names.js';
import { Sysctls } from './sysctls.js';

describe('net.ipv4.neigh.DEV.* names', () => {
  it('parses per-device neighbour settings, a device\'s dots written as /', () => {
    expect(parseSysctlName('net.ipv4.neigh.eth0.mcast_solicit')).toEqual({ kind: 'neigh', dev: 'eth0', setting: 'mcast_solicit' });
    expect(parseSysctlName('net.ipv4.neigh.eth0/100.retrans_time_ms')).toEqual({ kind: 'neigh', dev: 'eth0.100', setting: 'retrans_time_ms' });
    expect(parseSysctlName('net.ipv4.neigh.eth0.unres_qlen_bytes')).toBeUndefined();
    expect(sysctlDef('net.ipv4.neigh.lo.locktime')?.default).toBe(100);
  });
  it('knows lo and the namespace\'s devices, not all, and not default (only the initial namespace has it)', () => {
    expect(isKnownSysctl('net.ipv4.neigh.lo.mcast_solicit', [])).toBe(true);
    expect(isKnownSysctl('net.ipv4.neigh.eth0.mcast_solicit', ['eth0'])).toBe(true);
    expect(isKnownSysctl('net.ipv4.neigh.default.mcast_solicit', ['eth0'])).toBe(false);
    expect(isKnownSysctl('net.ipv4.neigh.all.mcast_solicit', ['eth0'])).toBe(false);
    expect(knownSysctlNames(['eth0'])).toContain('net.ipv4.neigh.eth0.ucast_solicit');
    expect(neighDefaultRefusal('net.ipv4.neigh.default.mcast_solicit')).toContain('sysctl: cannot stat /proc/sys/net/ipv4/neigh/default/mcast_solicit: No such file or directory');
  });
  it('has the kernel\'s defaults (arp_tbl, measured in a fresh namespace)', () => {
    const d = Object.fromEntries(Object.entries(NEIGH_SETTINGS).map(([k, v]) => [k, v.default]));
    expect(d).toEqual({
      mcast_solicit: 3, ucast_solicit: 3, app_solicit: 0, retrans_time_ms: 1000, retrans_time: 100, base_reachable_time_ms: 30000,
      base_reachable_time: 30, delay_first_probe_time: 5, gc_stale_time: 60, locktime: 100,
    });
  });
});

describe('Sysctls: neighbour settings', () => {
  it('gives a new device the defaults, and keeps the two units of one parameter in step (truncated: the kernel\'s jiffies rounding is not modelled)', () => {
    const s = new Sysctls();
    s.addDevice('eth0');
    expect(s.get('net.ipv4.neigh.eth0.retrans_time_ms')).toBe(1000);
    s.set('net.ipv4.neigh.eth0.retrans_time', 50, ['eth0']);
    expect(s.get('net.ipv4.neigh.eth0.retrans_time_ms')).toBe(500);
    s.set('net.ipv4.neigh.eth0.retrans_time_ms', 9, ['eth0']);
    expect(s.get('net.ipv4.neigh.eth0.retrans_time')).toBe(0);
    s.set('net.ipv4.neigh.eth0.base_reachable_time_ms', 12345, ['eth0']);
    expect(s.get('net.ipv4.neigh.eth0.base_reachable_time')).toBe(12);
    s.set('net.ipv4.neigh.eth0.base_reachable_time', 7, ['eth0']);
    expect(s.get('net.ipv4.neigh.eth0.base_reachable_time_ms')).toBe(7000);
  });
});
