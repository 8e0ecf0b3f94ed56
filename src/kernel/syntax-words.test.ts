import { describe, expect, it } from 'vitest';
import { closestWord, didYouMean, isValidIfname, parseUnsigned, splitWords, wordAfter } from './syntax-words.js';

describe('syntax words', () => {
  it('splits on blanks and keeps 1-based columns', () => {
    expect(splitWords('  default  via\t10.0.0.1 ')).toEqual([
      { text: 'default', column: 3 },
      { text: 'via', column: 12 },
      { text: '10.0.0.1', column: 16 },
    ]);
    expect(wordAfter('x dev eth0 via 1.2.3.4', ['via'])).toEqual({ text: '1.2.3.4', column: 16 });
    expect(wordAfter('x dev', ['dev'])).toBeUndefined();
  });

  it('reads numbers as get_u32() does, without octal', () => {
    expect(parseUnsigned('0', 10)).toBe(0);
    expect(parseUnsigned('0x4000', 0xffff)).toBe(0x4000);
    expect(parseUnsigned('4294967295', 0xffffffff)).toBe(0xffffffff);
    expect(parseUnsigned('4294967296', 0xffffffff)).toBeUndefined();
    expect(parseUnsigned('010', 100)).toBeUndefined();
    expect(parseUnsigned('-1', 100)).toBeUndefined();
    expect(parseUnsigned('1e3', 10000)).toBeUndefined();
  });

  it('checks device names as dev_valid_name() does', () => {
    expect(isValidIfname('flannel.1')).toBe(true);
    expect(isValidIfname('a23456789012345')).toBe(true);
    expect(isValidIfname('a234567890123456')).toBe(false);
    for (const bad of ['', '.', '..', 'a/b', 'eth0:1', 'a b']) expect(isValidIfname(bad)).toBe(false);
  });

  it('suggests close words only', () => {
    expect(closestWord('metirc', ['metric', 'mtu'])).toBe('metric');
    expect(closestWord('LOOKUP', ['lookup'])).toBe('lookup');
    expect(closestWord('zzzz', ['metric', 'mtu'])).toBeUndefined();
    expect(didYouMean('adresses', ['addresses'])).toBe(' (did you mean "addresses"?)');
    expect(didYouMean('q', ['addresses'])).toBe('');
  });
});
