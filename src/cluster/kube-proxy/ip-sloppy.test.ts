import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { cidrContains, ipTextSloppy, isLoopback, parseCidrSloppy, parseIpSloppy } from './ip-sloppy.js';

describe('ParseIPSloppy / ParseCIDRSloppy', () => {
  it('reads IPv4 leading zeros as decimal, not octal', () => {
    expect(parseIpSloppy('172.30.0.041')?.text).toBe('172.30.0.41');
    expect(parseIpSloppy('10.180.00.001')?.text).toBe('10.180.0.1');
    expect(parseCidrSloppy('203.0.113.000/025')?.text).toBe('203.0.113.0/25');
  });

  it('trims, masks host bits, rejects garbage', () => {
    expect(parseCidrSloppy(' 203.0.113.7/25')?.text).toBe('203.0.113.0/25');
    expect(parseIpSloppy('1.2.3')).toBeUndefined();
    expect(parseIpSloppy('1.2.3.256')).toBeUndefined();
    expect(parseCidrSloppy('1.2.3.4/33')).toBeUndefined();
    expect(parseCidrSloppy('1.2.3.4')).toBeUndefined();
  });

  it('prints IPv6 as Go does (RFC 5952)', () => {
    expect(parseIpSloppy('FD00:0010:0180:0000:0000:0000:0002:0001')?.text).toBe('fd00:10:180::2:1');
    expect(parseIpSloppy('2001:db8:0:0:1:0:0:1')?.text).toBe('2001:db8::1:0:0:1');
    expect(parseIpSloppy('::1')?.text).toBe('::1');
    expect(parseIpSloppy('::')?.text).toBe('::');
    expect(parseIpSloppy('1:0:2:3:4:5:6:7')?.text).toBe('1:0:2:3:4:5:6:7');
    expect(parseIpSloppy('::ffff:1.2.3.4')?.text).toBe('::ffff:102:304');
    expect(parseIpSloppy('1::2::3')).toBeUndefined();
    expect(parseCidrSloppy('2001:db8::1/64')?.text).toBe('2001:db8::/64');
  });

  it('contains within a family only; loopback', () => {
    const c = parseCidrSloppy('192.168.0.0/24')!;
    expect(cidrContains(c, parseIpSloppy('192.168.0.2')!)).toBe(true);
    expect(cidrContains(c, parseIpSloppy('192.168.1.2')!)).toBe(false);
    expect(cidrContains(parseCidrSloppy('0.0.0.0/0')!, parseIpSloppy('2001:db8::1')!)).toBe(false);
    expect(isLoopback(parseIpSloppy('127.0.0.1')!)).toBe(true);
    expect(isLoopback(parseIpSloppy('::1')!)).toBe(true);
    expect(isLoopback(parseIpSloppy('192.168.0.2')!)).toBe(false);
  });

  it('reads IPv4 as four groups of one to three decimal digits up to 255, whatever else is written', () => {
    const reference = (t: string): string | undefined => {
      const parts = t.trim().split('.');
      if (parts.length !== 4 || parts.some((p) => !/^[0-9]{1,3}$/.test(p) || Number(p) > 255)) return undefined;
      return parts.map(Number).join('.');
    };
    const chars = fc.constantFrom('0', '1', '2', '5', '9', '.', '.', ' ', 'a');
    fc.assert(fc.property(fc.array(chars, { maxLength: 18 }).map((cs) => cs.join('')), (t) => {
      expect(parseIpSloppy(t)?.text).toBe(reference(t));
    }), { numRuns: 3000, seed: 7 });
    expect(parseIpSloppy('255.255.255.255')?.text).toBe('255.255.255.255');
    expect(parseIpSloppy('0255.1.1.1')).toBeUndefined();
  });

  it('ipTextSloppy is parseIpSloppy\'s text (canonical IPv4 text kept as it is)', () => {
    const octet = fc.oneof(fc.integer({ min: 0, max: 300 }).map(String), fc.constantFrom('0', '00', '01', '010', '000', '0255', ''));
    const v4 = fc.tuple(octet, octet, octet, octet).map((o) => o.join('.'));
    const any = fc.oneof(v4, v4.map((a) => ` ${a}`), v4.map((a) => `${a} `), fc.constantFrom('::1', 'fd00::01', '::ffff:1.2.3.4', '1.2.3', '1.2.3.4.5', '', ' '), fc.string({ maxLength: 12 }));
    fc.assert(
      fc.property(any, (a) => {
        expect(ipTextSloppy(a)).toBe(parseIpSloppy(a)?.text);
      }),
      { numRuns: 2000, seed: 21 },
    );
    expect(ipTextSloppy('10.0.0.1')).toBe('10.0.0.1');
  });
});
