// Malformed bytes or an unencodable header. A codec error is a bug or bad input at an edge (a capture, a
// hand-written test); a packet the simulator drops is data (a disposition), never one of these.

/** Thrown by the codecs in `wire/` and `packet/codec.ts`; `field` names the offending field, e.g. `ipv4.ihl`. */
export class WireError extends Error {
  override readonly name = 'WireError';
  readonly field: string;

  constructor(field: string, message: string) {
    super(`${field}: ${message}`);
    this.field = field;
  }
}

/** Throws a WireError naming `field` unless `value` is an integer in 0..max (a field that fits its bits). */
export function checkUint(field: string, value: number, max: number): void {
  if (!Number.isInteger(value) || value < 0 || value > max) {
    throw new WireError(field, `${value} is not an integer in 0..${max}`);
  }
}
