// `-s` / `-d` words: xtables_ipparse_multiple() and xtables_numeric_to_ipaddr(), compared with a plain reading.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseAddressList, parseHostMask } from './basic-filter.js';

/** The reading by splitting: 1 to 4 parts of 1 to 3 digits up to 255, missing trailing parts zero. */
function referenceDotted(text: string): number | undefined {
  const parts = text.split('.');
  if (parts.length > 4 || parts.some((p) => !/^[0-9]{1,3}$/.test(p) || Number(p) > 255)) return undefined;
  let addr = 0;
  for (let i = 0; i < 4; i++) addr = addr * 256 + Number(parts[i] ?? 0);
  return addr >>> 0;
}

describe('parseHostMask', () => {
  it('reads 1 to 4 dotted decimal parts, missing ones zero, and names anything else an unknown host', () => {
    const chars = fc.constantFrom('0', '1', '2', '5', '9', '.', '.', 'x', '-');
    fc.assert(fc.property(fc.array(chars, { maxLength: 17 }).map((cs) => cs.join('')), (host) => {
      const want = referenceDotted(host);
      expect(parseHostMask(host)).toEqual(want === undefined ? `host/network \`${host}' not found` : { addr: want, mask: 0xffffffff });
    }), { numRuns: 3000, seed: 9 });
  });

  it('masks host bits of each list item, and reports a bad mask', () => {
    expect(parseAddressList('10.1.2.3/8,1.2/16')).toEqual([{ addr: 0x0a000000, mask: 0xff000000 }, { addr: 0x01020000, mask: 0xffff0000 }]);
    expect(parseAddressList('10.0.0.1/255.255.0.0')).toEqual([{ addr: 0x0a000000, mask: 0xffff0000 }]);
    expect(parseAddressList('10.0.0.1/33')).toBe("invalid mask `33' specified");
    expect(parseAddressList('10.0.0.1/1.2.3.4.5')).toBe("invalid mask `1.2.3.4.5' specified");
    expect(parseAddressList('256.0.0.1')).toBe("host/network `256.0.0.1' not found");
  });
});
