import { describe, expect, it } from 'vitest';
import { SAFE_ALPHABET, canonicalJson, fnv32a, podSuffix, podTemplateHash, safeEncode } from './names.js';

describe('generated names', () => {
  it('fnv32a matches the reference vectors (hash/fnv)', () => {
    expect(fnv32a('')).toBe(0x811c9dc5);
    expect(fnv32a('a')).toBe(0xe40c292c);
    expect(fnv32a('foobar')).toBe(0xbf9cf968);
  });

  it('encodes with the safe alphabet only', () => {
    expect(safeEncode('0123456789')).toMatch(new RegExp(`^[${SAFE_ALPHABET}]{10}$`));
  });

  it('hashes templates by content, not key order', () => {
    const a = { labels: { app: 'web', tier: 'fe' }, spec: { containers: [{ name: 'c' }] } };
    const b = { spec: { containers: [{ name: 'c' }] }, labels: { tier: 'fe', app: 'web' } };
    expect(canonicalJson(a)).toBe(canonicalJson(b));
    expect(podTemplateHash(a)).toBe(podTemplateHash(b));
    expect(podTemplateHash(a)).not.toBe(podTemplateHash({ ...a, labels: { app: 'api' } }));
  });

  it('gives 5-character suffixes, stable and distinct per index', () => {
    const s = [0, 1, 2, 3].map((i) => podSuffix('default/web-abc', i));
    for (const x of s) expect(x).toMatch(new RegExp(`^[${SAFE_ALPHABET}]{5}$`));
    expect(new Set(s).size).toBe(4);
    expect(podSuffix('default/web-abc', 1)).toBe(s[1]);
  });
});
