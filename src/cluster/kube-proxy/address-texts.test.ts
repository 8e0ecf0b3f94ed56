// The texts kept per address are what parsing the address again gives (ParseIPSloppy(), its family, `ip:port`).

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { addressTexts, endpointText, familyOfText } from './address-texts.js';
import { parseIpSloppy } from './ip-sloppy.js';

describe('address texts (address-texts.ts)', () => {
  it('give ParseIPSloppy()\'s text and family and the endpoint text, first asked or kept', () => {
    const piece = fc.constantFrom('10', '010', '1', '255', '256', '0', '.', ':', '::', 'ffff', 'FD00', '7', ' ', 'x');
    const address = fc.oneof(
      fc.constantFrom('10.7.0.1', '010.7.0.1', ' 10.7.0.1', 'fd00::7', 'FD00:0::7', '::ffff:10.7.0.1', '1.2.3', ''),
      fc.array(piece, { maxLength: 8 }).map((ps) => ps.join('')),
    );
    fc.assert(
      fc.property(fc.array(fc.record({ a: address, port: fc.constantFrom(80, 53, 8080) }), { minLength: 1, maxLength: 10 }), (asks) => {
        for (const { a, port } of asks) {
          const plain = parseIpSloppy(a);
          const kept = addressTexts(`${a}`.slice(0));
          expect(kept.ip).toBe(plain?.text);
          if (kept.ip === undefined || plain === undefined) continue;
          expect(familyOfText(kept.ip)).toBe(plain.family);
          const v6 = plain.family === 'IPv6';
          expect(endpointText(kept, kept.ip, port, v6)).toBe(v6 ? `[${plain.text}]:${port}` : `${plain.text}:${port}`);
        }
      }),
      { numRuns: 500 },
    );
  });

  it('keep at most 64 ports\' texts per address, and the texts stay right after the ports are emptied', () => {
    const a = addressTexts('10.9.8.7');
    for (let port = 1; port <= 200; port++) expect(endpointText(a, '10.9.8.7', port, false)).toBe(`10.9.8.7:${port}`);
    expect(a.texts!.size).toBeLessThanOrEqual(64);
    expect(endpointText(a, '10.9.8.7', 1, false)).toBe('10.9.8.7:1');
  });
});
