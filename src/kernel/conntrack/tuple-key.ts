import type { Tuple } from './tuple.js';

/**
 * The hash key of a tuple (nf_conntrack_tuple hashed by hash_conntrack_raw(); here a string, compared whole):
 * the five fields as seven 16-bit code units (no number printed, it runs for every conntrack lookup). A
 * field out of range (a port over 16 bits, an address not a 32-bit unsigned integer: none in a valid packet)
 * gets the printed form, which is never 7 units long, so keys equal exactly when the printed forms do.
 */
export function tupleKey(t: Tuple): string {
  return fieldsKey(t.proto, t.src, t.sport, t.dst, t.dport);
}

/** tupleKey() of the tuple with these five fields. */
export function fieldsKey(proto: number, src: number, sport: number, dst: number, dport: number): string {
  if ((proto & 0xffff) === proto && (sport & 0xffff) === sport && (dport & 0xffff) === dport && src >>> 0 === src && dst >>> 0 === dst) {
    return String.fromCharCode(proto, src >>> 16, src & 0xffff, sport, dst >>> 16, dst & 0xffff, dport);
  }
  return `${proto}/${src}/${sport}/${dst}/${dport}`;
}

/** The hash key of a tuple in a zone (hash_conntrack_raw() mixes in the zone id); zone 0 is the plain key. */
export function zonedKey(t: Tuple, zone: number): string {
  return zone === 0 ? tupleKey(t) : `${tupleKey(t)}%${zone}`;
}

/** Linux: nf_ct_tuple_equal(). */
export function tupleEqual(a: Tuple, b: Tuple): boolean {
  return a.proto === b.proto && a.src === b.src && a.sport === b.sport && a.dst === b.dst && a.dport === b.dport;
}
