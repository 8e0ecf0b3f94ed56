import type { Tuple } from './tuple.js';

/** The hash key of a tuple (nf_conntrack_tuple hashed by hash_conntrack_raw(); here a string, compared whole). */
export function tupleKey(t: Tuple): string {
  return `${t.proto}/${t.src}/${t.sport}/${t.dst}/${t.dport}`;
}

/** The hash key of a tuple in a zone (hash_conntrack_raw() mixes in the zone id); zone 0 is the plain key. */
export function zonedKey(t: Tuple, zone: number): string {
  return zone === 0 ? tupleKey(t) : `${tupleKey(t)}%${zone}`;
}

/** Linux: nf_ct_tuple_equal(). */
export function tupleEqual(a: Tuple, b: Tuple): boolean {
  return a.proto === b.proto && a.src === b.src && a.sport === b.sport && a.dst === b.dst && a.dport === b.dport;
}
