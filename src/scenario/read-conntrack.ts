// A namespace's `conntrack:` lines: connections it already has, each written as `conntrack -L` prints it,
// read by the conntrack parser (kernel/conntrack/parse-entry.ts); two entries may not share a tuple in one
// zone, as `conntrack -I` of the second fails with "File exists" (nf_conntrack_hash_check_insert()).

import type { Node } from 'yaml';
import { parseEntry, zonedKey, type ConntrackSpec } from '../kernel/conntrack/index.js';
import { splitWords } from '../kernel/syntax-words.js';
import type { Located } from './topology-draft.js';
import { readStringList } from './yaml-fields.js';
import type { ScenarioSource } from './yaml-source.js';

export function readConntrack(src: ScenarioSource, node: Node | undefined, what: string): Located<ConntrackSpec>[] {
  const out: Located<ConntrackSpec>[] = [];
  const held = new Map<string, { index: number; node: Node }>();
  readStringList(src, node, `${what}: conntrack`).forEach(({ text, node: at }, i) => {
    const label = `${what}: conntrack[${i}]`;
    const r = parseEntry(text);
    if (!r.ok) {
      src.errorInString(at, r.column, `${label}: ${r.error}`);
      return;
    }
    const e = r.value;
    const columns = tupleColumns(text);
    const tuples = [['original', e.orig, columns[0]], ['reply', e.reply, columns[1]]] as const;
    for (const [name, t, column] of tuples) {
      const first = held.get(zonedKey(t, e.zone));
      if (first === undefined) continue;
      const zone = e.zone === 0 ? '' : ` in zone ${e.zone}`;
      src.errorInString(at, column, `${label}: conntrack -I: File exists: the ${name} tuple${zone} is already held by conntrack[${first.index}] (line ${src.locate(first.node).line})`);
      return;
    }
    held.set(zonedKey(e.orig, e.zone), { index: i, node: at });
    held.set(zonedKey(e.reply, e.zone), { index: i, node: at });
    out.push({ spec: e, node: at, label });
  });
  return out;
}

/** The columns of the two tuples' `src=` words. */
function tupleColumns(text: string): [number, number] {
  const starts = splitWords(text).filter((w) => w.text.startsWith('src=')).map((w) => w.column);
  return [starts[0] ?? 1, starts[1] ?? 1];
}
