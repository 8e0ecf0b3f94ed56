import { describe, expect, it } from 'vitest';
import {
  SYSCTL_DEFAULTS, formatSysctlRanges, isKnownSysctl, isSysctlValueAllowed, knownSysctlNames, parseSysctlName, sysctlDef,
} from './sysctl-names.js';

describe('sysctl names', () => {
  it('holds the fresh-namespace defaults', () => {
    expect(SYSCTL_DEFAULTS['net.ipv4.ip_forward']).toBe(0);
    expect(SYSCTL_DEFAULTS['net.ipv4.ip_default_ttl']).toBe(64);
    expect(SYSCTL_DEFAULTS['net.bridge.bridge-nf-call-iptables']).toBe(1);
    expect(SYSCTL_DEFAULTS['net.netfilter.nf_conntrack_tcp_loose']).toBe(1);
    expect(SYSCTL_DEFAULTS['net.netfilter.nf_conntrack_tcp_be_liberal']).toBe(0);
    expect(SYSCTL_DEFAULTS['net.ipv4.conf.all.rp_filter']).toBe(0);
    expect(SYSCTL_DEFAULTS['net.ipv4.conf.default.send_redirects']).toBe(1);
    expect(Object.isFrozen(SYSCTL_DEFAULTS)).toBe(true);
  });

  it('parses the per-device form, with dots in device names written as /', () => {
    expect(parseSysctlName('net.ipv4.conf.eth0.rp_filter')).toEqual({ kind: 'conf', dev: 'eth0', setting: 'rp_filter' });
    expect(parseSysctlName('net.ipv4.conf.eth0/100.proxy_arp')).toEqual({ kind: 'conf', dev: 'eth0.100', setting: 'proxy_arp' });
    expect(parseSysctlName('net.ipv4.ip_forward')).toEqual({ kind: 'global', name: 'net.ipv4.ip_forward' });
    expect(parseSysctlName('net.ipv4.conf.eth0.mtu_expires')).toBeUndefined();
    expect(parseSysctlName('net.ipv4.conf.rp_filter')).toBeUndefined();
  });

  it('knows devices of the namespace, all, default and lo', () => {
    expect(isKnownSysctl('net.ipv4.conf.eth0.rp_filter', ['eth0'])).toBe(true);
    expect(isKnownSysctl('net.ipv4.conf.lo.route_localnet', [])).toBe(true);
    expect(isKnownSysctl('net.ipv4.conf.all.arp_ignore', [])).toBe(true);
    expect(isKnownSysctl('net.ipv4.conf.eth9.rp_filter', ['eth0'])).toBe(false);
    expect(isKnownSysctl('net.ipv4.tcp_syncookies', ['eth0'])).toBe(false);
  });

  it('checks values against the kernel ranges', () => {
    expect(isSysctlValueAllowed('net.ipv4.conf.all.rp_filter', 2)).toBe(true);
    expect(isSysctlValueAllowed('net.ipv4.conf.all.rp_filter', 3)).toBe(false);
    expect(isSysctlValueAllowed('net.ipv4.conf.eth0.arp_ignore', 8)).toBe(true);
    expect(isSysctlValueAllowed('net.ipv4.conf.eth0.arp_ignore', 5)).toBe(false);
    expect(isSysctlValueAllowed('net.ipv4.ip_default_ttl', 0)).toBe(false);
    expect(isSysctlValueAllowed('net.ipv4.ip_forward', 0.5)).toBe(false);
    expect(formatSysctlRanges(sysctlDef('net.ipv4.conf.lo.arp_ignore')!)).toBe('0..3 or 8');
  });

  it('lists names for suggestions', () => {
    const names = knownSysctlNames(['eth0.5']);
    expect(names).toContain('net.ipv4.conf.eth0/5.rp_filter');
    expect(names).toContain('net.ipv4.ip_forward');
  });
});
