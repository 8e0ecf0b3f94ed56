import { InvalidArgumentError } from 'commander';
import { parseIpv4 } from '../wire/ipv4-addr.js';

export function argInt(name: string, lo: number, hi: number) {
  return (text: string): number => {
    if (!/^\d+$/.test(text)) throw new InvalidArgumentError(`${name} must be a whole number, got "${text}"`);
    const n = Number(text);
    if (n < lo || n > hi) throw new InvalidArgumentError(`${name} must be in ${lo}..${hi}, got ${n}`);
    return n;
  };
}

export function argIpv4(name: string) {
  return (text: string): number => {
    const a = parseIpv4(text);
    if (a === undefined) throw new InvalidArgumentError(`${name} must be an IPv4 address like 10.0.0.1, got "${text}"`);
    return a;
  };
}

export function argChoice<T extends string>(name: string, choices: readonly T[]) {
  return (text: string): T => {
    if (!(choices as readonly string[]).includes(text)) {
      throw new InvalidArgumentError(`${name} must be one of ${choices.join(', ')}, got "${text}"`);
    }
    return text as T;
  };
}
