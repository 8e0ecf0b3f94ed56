import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseIpv4 } from '../../wire/ipv4-addr.js';
import { fibMultipathHash, siphash24, upperBounds } from './multipath-hash.js';

describe('siphash24', () => {
  it('gives the reference vector of the SipHash paper (key 00..0f, 15 bytes 00..0e)', () => {
    const data = Uint8Array.from({ length: 15 }, (_, i) => i);
    const k0 = 0x0706050403020100n;
    const k1 = 0x0f0e0d0c0b0a0908n;
    expect(siphash24(data, k0, k1)).toBe(0xa129ca6149be45e5n);
  });
});

describe('upperBounds', () => {
  it('splits the 31-bit space by weight as fib_rebalance() does', () => {
    expect(upperBounds([1, 2], [true, true])).toEqual([715827882, 2147483647]);
    expect(upperBounds([1, 1], [true, true])).toEqual([1073741823, 2147483647]);
    expect(upperBounds([1, 1], [false, true])).toEqual([-1, 2147483647]);
  });
});

describe('fibMultipathHash against Linux 6.18', () => {
  const lines = readFileSync(new URL('./testdata/multipath-linux-6.18.txt', import.meta.url), 'utf8')
    .split('\n').filter((l) => l && !l.startsWith('#'));
  it('picks the device the kernel picked for every recorded flow', () => {
    const ub = upperBounds([1, 2], [true, true]);
    const wrong: string[] = [];
    for (const line of lines) {
      const [seed, policy, src, dst, proto, sport, dport, dev] = line.split(' ');
      const h = fibMultipathHash(Number(policy), {
        src: parseIpv4(src)!, dst: parseIpv4(dst)!, proto: Number(proto), sport: Number(sport), dport: Number(dport),
      }, Number(seed));
      const got = h <= ub[0] ? 'e1' : 'e2';
      if (got !== dev) wrong.push(line);
    }
    expect(lines.length).toBeGreaterThan(200);
    expect(wrong).toEqual([]);
  });
});
