// A manifest file as `kubectl get -o yaml` or a repository holds it: one or more YAML documents separated by
// `---`. Each document is read through its own ScenarioSource over the same text with every other document
// blanked out (newlines kept), so line:col positions are those of the whole file.

import { parseAllDocuments } from 'yaml';
import type { Node } from 'yaml';
import { isScalar } from 'yaml';
import { ScenarioSource } from '../../scenario/yaml-source.js';

export interface ManifestDocument {
  src: ScenarioSource;
  /** The document's root, undefined for an empty document (a trailing `---`). */
  root: Node | undefined;
}

export function splitManifest(file: string, text: string): ManifestDocument[] {
  const docs = parseAllDocuments(text);
  const list = Array.isArray(docs) ? docs : [];
  if (list.length <= 1) return [single(new ScenarioSource(file, text))];
  return list.map((d) => {
    const [start, , end] = d.range;
    const blanked = blank(text, 0, start) + text.slice(start, end) + blank(text, end, text.length);
    return single(new ScenarioSource(file, blanked));
  });
}

function single(src: ScenarioSource): ManifestDocument {
  const root = src.diagnostics.length > 0 ? undefined : src.root;
  return { src, root: root !== undefined && isScalar(root) && root.value === null ? undefined : root };
}

/** `text[from, to)` with every character but a newline replaced by a space. */
function blank(text: string, from: number, to: number): string {
  return text.slice(from, to).replace(/[^\n]/g, ' ');
}
