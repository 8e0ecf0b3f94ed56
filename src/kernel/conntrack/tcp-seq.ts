// Linux: before() / after() in include/net/tcp.h: sequence numbers compared modulo 2^32.

/** `a` comes after `b` in sequence space. */
export function seqAfter(a: number, b: number): boolean {
  return ((a - b) | 0) > 0;
}

/** `a` comes before `b` in sequence space. */
export function seqBefore(a: number, b: number): boolean {
  return ((a - b) | 0) < 0;
}

export function seqAdd(a: number, b: number): number {
  return (a + b) >>> 0;
}
