// computeProbability(): fmt.Sprintf("%0.10f", 1.0/float64(n)). Go prints the exact binary value rounded half
// to even; Number.prototype.toFixed() rounds ties up (1/2048 = 0.00048828125 exactly), so the rounding is
// done here on the exact value of the double.

/** The exact value of a finite positive double as mantissa / 2^shift. */
function exact(x: number): { mantissa: bigint; shift: bigint } {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, x);
  const bits = view.getBigUint64(0);
  const expBits = Number((bits >> 52n) & 0x7ffn);
  const frac = bits & ((1n << 52n) - 1n);
  const mantissa = expBits === 0 ? frac : frac | (1n << 52n);
  const e = (expBits === 0 ? 1 : expBits) - 1075; // x = mantissa * 2^e
  return e >= 0 ? { mantissa: mantissa << BigInt(e), shift: 0n } : { mantissa, shift: BigInt(-e) };
}

/** probability(n) for n below TABLE_SIZE, filled as asked (a pure function of n). */
const TABLE_SIZE = 4096;
const table: (string | undefined)[] = [];

/** `%0.10f` of 1/n, as kube-proxy writes `--probability`. */
export function probability(n: number): string {
  if (Number.isInteger(n) && n > 0 && n < TABLE_SIZE) return (table[n] ??= computeProbability(n));
  return computeProbability(n);
}

/** probability() computed again. */
export function computeProbability(n: number): string {
  const { mantissa, shift } = exact(1 / n);
  const scaled = mantissa * 10n ** 10n;
  let q = scaled >> shift;
  if (shift > 0n) {
    const r = scaled - (q << shift);
    const half = 1n << (shift - 1n);
    if (r > half || (r === half && (q & 1n) === 1n)) q += 1n;
  }
  const s = q.toString().padStart(11, '0');
  return `${s.slice(0, -10)}.${s.slice(-10)}`;
}
