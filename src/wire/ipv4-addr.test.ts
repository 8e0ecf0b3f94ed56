import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  formatIpv4,
  formatPrefix,
  inPrefix,
  parseIpv4,
  parseMac,
  parsePrefix,
  prefixMask,
  prefixNetwork,
} from './ipv4-addr.js';

const SEED = 791;

describe('parseIpv4', () => {
  it.each([
    ['0.0.0.0', 0],
    ['10.0.0.1', 0x0a000001],
    ['192.168.1.254', 0xc0a801fe],
    ['255.255.255.255', 0xffffffff],
    ['1.2.3.4', 0x01020304],
  ])('%s -> %i', (text, n) => {
    expect(parseIpv4(text)).toBe(n);
  });

  it.each([
    '', '1.2.3', '1.2.3.4.5', '256.0.0.1', '1.2.3.-1', '01.2.3.4', '1.2.3.00', '1..3.4', '.1.2.3', '1.2.3.4.',
    ' 1.2.3.4', '1.2.3.4 ', '1.2.3.4/24', '0x1.2.3.4', '1.2.3.a', '1000.2.3.4', '1.2.3.4444',
  ])('rejects %j', (text) => {
    expect(parseIpv4(text)).toBeUndefined();
  });

  it('round-trips with formatIpv4 for every unsigned 32-bit number', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xffffffff }), (n) => {
        expect(parseIpv4(formatIpv4(n))).toBe(n);
      }),
      { seed: SEED, numRuns: 1000 },
    );
  });

  it('formats high addresses as unsigned', () => {
    expect(formatIpv4(0xffffffff)).toBe('255.255.255.255');
    expect(formatIpv4(0x80000000)).toBe('128.0.0.0');
  });
});

describe('prefixes', () => {
  it('parses a prefix without requiring host bits to be zero', () => {
    expect(parsePrefix('10.0.0.0/24')).toEqual({ addr: 0x0a000000, len: 24 });
    expect(parsePrefix('10.0.0.7/24')).toEqual({ addr: 0x0a000007, len: 24 });
    expect(parsePrefix('0.0.0.0/0')).toEqual({ addr: 0, len: 0 });
  });

  it('reads a bare address as /32', () => {
    expect(parsePrefix('10.1.2.3')).toEqual({ addr: 0x0a010203, len: 32 });
  });

  it.each(['10.0.0.0/33', '10.0.0.0/', '10.0.0.0/-1', '10.0.0.0/024', '10.0.0.0/2a', '10.0.0/8', '/8', '10.0.0.0/8/8'])(
    'rejects %j',
    (text) => {
      expect(parsePrefix(text)).toBeUndefined();
    },
  );

  it('formats as ip prints it', () => {
    expect(formatPrefix({ addr: 0x0af40100, len: 24 })).toBe('10.244.1.0/24');
  });

  it('prefixMask covers /0 to /32', () => {
    expect(prefixMask(0)).toBe(0);
    expect(prefixMask(1)).toBe(0x80000000);
    expect(prefixMask(24)).toBe(0xffffff00);
    expect(prefixMask(32)).toBe(0xffffffff);
  });

  it('inPrefix compares only network bits', () => {
    const p = { addr: 0x0a000005, len: 24 };
    expect(inPrefix(0x0a0000ff, p)).toBe(true);
    expect(inPrefix(0x0a000100, p)).toBe(false);
    expect(inPrefix(0xffffffff, { addr: 0, len: 0 })).toBe(true);
    expect(inPrefix(0xc0a80001, { addr: 0xc0a80001, len: 32 })).toBe(true);
    expect(inPrefix(0xc0a80002, { addr: 0xc0a80001, len: 32 })).toBe(false);
    expect(prefixNetwork(p)).toBe(0x0a000000);
  });

  it('round-trips with formatPrefix', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xffffffff }), fc.integer({ min: 0, max: 32 }), (addr, len) => {
        expect(parsePrefix(formatPrefix({ addr, len }))).toEqual({ addr, len });
        expect(inPrefix(addr, { addr: prefixNetwork({ addr, len }), len })).toBe(true);
      }),
      { seed: SEED, numRuns: 1000 },
    );
  });
});

describe('parseMac', () => {
  it('accepts either case and normalizes to lower case', () => {
    expect(parseMac('02:42:AC:11:00:02')).toBe('02:42:ac:11:00:02');
    expect(parseMac('ff:ff:ff:ff:ff:ff')).toBe('ff:ff:ff:ff:ff:ff');
  });

  it.each(['', '02:42:ac:11:00', '02:42:ac:11:00:02:03', '02-42-ac-11-00-02', '2:42:ac:11:00:02', '02:42:ac:11:00:0g', '0242.ac11.0002'])(
    'rejects %j',
    (text) => {
      expect(parseMac(text)).toBeUndefined();
    },
  );
});
