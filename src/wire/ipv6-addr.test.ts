import { describe, expect, it } from 'vitest';
import { formatIpv6, formatIpv6Endpoint, ipv6InPrefix, ipv6PrefixMask, parseIpv6 } from './ipv6-addr.js';

describe('ipv6-addr', () => {
  it('parses inet_pton forms and prints RFC 5952 text', () => {
    for (const [text, want] of [
      ['::1', '::1'], ['::', '::'], ['fd00:10:180::2:1', 'fd00:10:180::2:1'], ['2001:DB8:0:0:0:0:0:1', '2001:db8::1'],
      ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1'], ['::ffff:10.0.0.1', '::ffff:a00:1'], ['fe80:0:0:0:0:0:0:0', 'fe80::'],
    ]) {
      const v = parseIpv6(text);
      expect(v, text).toBeDefined();
      expect(formatIpv6(v!)).toBe(want);
    }
  });

  it('refuses what inet_pton refuses', () => {
    for (const bad of ['1.2.3.4', 'fd00::1::2', '1:2:3:4:5:6:7:8:9', '12345::', 'g::1', '::1.2.3', ':', '1:2:3:4:5:6:7', '::01.2.3.4']) {
      expect(parseIpv6(bad), bad).toBeUndefined();
    }
  });

  it('masks prefixes', () => {
    expect(ipv6PrefixMask(0)).toBe(0n);
    expect(formatIpv6(ipv6PrefixMask(64))).toBe('ffff:ffff:ffff:ffff::');
    expect(ipv6InPrefix(parseIpv6('fd00:10::2')!, parseIpv6('fd00:10::')!, 64)).toBe(true);
    expect(ipv6InPrefix(parseIpv6('fd00:11::2')!, parseIpv6('fd00:10::')!, 64)).toBe(false);
    expect(ipv6InPrefix(parseIpv6('::1')!, parseIpv6('::1')!, 128)).toBe(true);
    expect(formatIpv6Endpoint(parseIpv6('fd00::1')!, 80)).toBe('[fd00::1]:80');
  });
});
