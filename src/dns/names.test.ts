import { describe, expect, it } from 'vitest';
import { addressFromReverse, canonicalIpv6, endpointHostname, ipFamily, matchZone } from './names.js';

describe('DNS name helpers', () => {
  it('canonicalises IPv6 as Go net.IP.String()', () => {
    expect(canonicalIpv6('fd00:0077:0030:0000:0000:0000:0002:9ba6')).toBe('fd00:77:30::2:9ba6');
    expect(canonicalIpv6('1234:abcd:0:0:0:0:0:1')).toBe('1234:abcd::1');
    expect(canonicalIpv6('1:0:1:0:1:0:1:0')).toBe('1:0:1:0:1:0:1:0');
    expect(canonicalIpv6('::ffff:10.0.0.1')).toBe('::ffff:a00:1');
    expect(canonicalIpv6('1::2::3')).toBeUndefined();
  });
  it('reads complete reverse names only', () => {
    expect(addressFromReverse('100.1.168.192.in-addr.arpa.')).toBe('192.168.1.100');
    expect(addressFromReverse('1.168.192.in-addr.arpa.')).toBe('');
    expect(addressFromReverse('6.a.b.9.2.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.3.0.0.7.7.0.0.0.0.d.f.ip6.arpa.')).toBe('fd00:77:30::2:9ba6');
  });
  it('names endpoints by hostname, pod name, or dashed IP', () => {
    expect(endpointHostname({ ip: '172.0.0.2', ready: true }, false)).toBe('172-0-0-2');
    expect(endpointHostname({ ip: '5678:abcd::', ready: true }, false)).toBe('5678-abcd--0');
    expect(endpointHostname({ ip: '10.0.0.1', podName: 'web-1', ready: true }, true)).toBe('web-1');
    expect(endpointHostname({ ip: '10.0.0.1', podName: 'web-1', hostname: 'h', ready: true }, true)).toBe('h');
  });
  it('matches the longest zone, case-insensitively; tells address families', () => {
    expect(matchZone(['in-addr.arpa.', '0.10.in-addr.arpa.'], '1.0.0.10.IN-ADDR.arpa.')).toBe('0.10.in-addr.arpa.');
    expect(matchZone(['cluster.local.'], 'notcluster.local.')).toBeUndefined();
    expect([ipFamily('10.0.0.1'), ipFamily('10::3'), ipFamily('ext.test'), ipFamily('256.0.0.1')]).toEqual(['A', 'AAAA', undefined, undefined]);
  });
});
