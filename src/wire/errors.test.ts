import { describe, expect, it } from 'vitest';
import { WireError, checkUint } from './errors.js';

describe('WireError', () => {
  it('names the field in its property and message', () => {
    const e = new WireError('ipv4.ihl', 'ihl 4 is below 5');
    expect(e).toBeInstanceOf(Error);
    expect(e.name).toBe('WireError');
    expect(e.field).toBe('ipv4.ihl');
    expect(e.message).toBe('ipv4.ihl: ihl 4 is below 5');
  });

  it('checkUint rejects values that do not fit', () => {
    expect(() => checkUint('ipv4.ttl', 255, 0xff)).not.toThrow();
    for (const bad of [256, -1, 1.5, Number.NaN]) {
      expect(() => checkUint('ipv4.ttl', bad, 0xff)).toThrow(expect.objectContaining({ field: 'ipv4.ttl' }));
    }
  });
});
