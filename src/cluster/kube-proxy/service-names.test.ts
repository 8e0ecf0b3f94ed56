// The names kept per process are what building them again gives, for any strings, whichever order they are
// first asked in; and equal strings get the same string object.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { servicePortNames } from './chain-names.js';
import { portNames, serviceName } from './service-names.js';

describe('service names (service-names.ts)', () => {
  it('give what the plain concatenations give, one object per name', () => {
    // A small alphabet, so that names meet (and `a/b` + `c` meets `a` + `b/c`).
    const part = fc.string({ unit: fc.constantFrom('a', 'b', '/', ':', 'x'), maxLength: 3 });
    const ask = fc.record({ ns: part, name: part, port: part, protocol: fc.constantFrom('TCP', 'UDP', 'SCTP', 'tcp') });
    fc.assert(
      fc.property(fc.array(ask, { minLength: 1, maxLength: 12 }), (asks) => {
        for (const a of asks) {
          // Copies of the strings, as each event brings its own.
          const nn = serviceName(`${a.ns}`.slice(0), `${a.name}`.slice(0));
          expect(nn).toBe(`${a.ns}/${a.name}`);
          const p = portNames(nn, a.port, a.protocol);
          const name = a.port === '' ? `${a.ns}/${a.name}` : `${a.ns}/${a.name}:${a.port}`;
          expect(p.service).toBe(nn);
          expect(p.name).toBe(name);
          expect(p.key).toBe(`${name}/${a.protocol}`);
          expect(p.chains).toBe(servicePortNames(name, a.protocol));
          expect(portNames(serviceName(a.ns, a.name), a.port, a.protocol)).toBe(p);
        }
      }),
      { numRuns: 300 },
    );
  });
});
