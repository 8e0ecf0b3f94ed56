// One scenario file being read: its YAML document, the LineCounter that turns offsets into line:col, and
// the diagnostics found so far. Every reader reports through it, so each message points at the node at fault.

import type { Document, Node, Scalar } from 'yaml';
import { LineCounter, isAlias, isScalar, parseDocument } from 'yaml';
import type { Diagnostic } from './diagnostics.js';

export class ScenarioSource {
  readonly diagnostics: Diagnostic[] = [];
  readonly document: Document;
  private readonly lineCounter = new LineCounter();

  constructor(
    readonly file: string,
    readonly text: string,
  ) {
    // prettyErrors off: the message stays one line, the position is ours to format.
    this.document = parseDocument(text, { lineCounter: this.lineCounter, prettyErrors: false });
    for (const e of this.document.errors) this.errorAt(e.pos[0], yamlMessage(e.message));
  }

  /** The document's root node, or undefined for an empty file. */
  get root(): Node | undefined {
    const c = this.document.contents;
    return c === null ? undefined : this.resolve(c);
  }

  errorAt(offset: number, message: string): void {
    const { line, col } = this.lineCounter.linePos(offset);
    this.diagnostics.push({ file: this.file, line, column: col, message });
  }

  /** Where a node starts, 1-based. */
  locate(node: Node): { line: number; column: number } {
    const { line, col } = this.lineCounter.linePos(node.range?.[0] ?? 0);
    return { line, column: col };
  }

  /** Reports at the start of `node`, or of `fallback` when the node has no place (a missing value). */
  error(node: Node | null | undefined, message: string, fallback?: Node): void {
    this.errorAt(node?.range?.[0] ?? fallback?.range?.[0] ?? 0, message);
  }

  /**
   * Reports at a 1-based column of a string scalar's text, e.g. the bad word of a route. When the text is
   * not written verbatim in the file (escapes, folded lines, block scalars) the scalar's start is the best
   * place there is.
   */
  errorInString(node: Node, column: number, message: string): void {
    this.errorAt(this.contentStart(node) + column - 1, message);
  }

  /**
   * Reports at line `lineNo`, column `column` (1-based) of a block scalar's text (`iptables: |`), so an
   * error inside embedded iptables-restore input points at its line in the file.
   */
  errorInBlockLine(node: Node, lineNo: number, column: number, message: string): void {
    const start = node.range?.[0] ?? 0;
    if (!isScalar(node) || typeof node.value !== 'string' || (node as Scalar).type !== 'BLOCK_LITERAL') {
      this.errorAt(start, message);
      return;
    }
    let at = this.text.indexOf('\n', start) + 1;
    for (let i = 1; i < lineNo && at > 0; i++) at = this.text.indexOf('\n', at) + 1;
    if (at <= 0) {
      this.errorAt(start, message);
      return;
    }
    const end = this.text.indexOf('\n', at);
    const sourceLine = this.text.slice(at, end < 0 ? undefined : end);
    const want = node.value.split('\n')[lineNo - 1] ?? '';
    const indent = want === '' ? 0 : Math.max(0, sourceLine.indexOf(want));
    this.errorAt(at + indent + column - 1, message);
  }

  /** Follows an alias to its anchor; undefined (with a diagnostic) for an alias to nothing. */
  resolve(node: Node | null | undefined): Node | undefined {
    if (node === null || node === undefined || !isAlias(node)) return node ?? undefined;
    const target = node.resolve(this.document);
    if (target === undefined) this.error(node, `unknown alias *${node.source}`);
    return target as Node | undefined;
  }

  /** The offset of the first character of a string's value in the file, when it is written there as is. */
  private contentStart(node: Node): number {
    const start = node.range?.[0] ?? 0;
    if (!isScalar(node) || typeof node.value !== 'string') return start;
    const quoted = (node as Scalar).type === 'QUOTE_DOUBLE' || (node as Scalar).type === 'QUOTE_SINGLE';
    const from = quoted ? start + 1 : start;
    return this.text.startsWith(node.value, from) ? from : start;
  }
}

/** yaml's messages, first letter lower-cased to read like the loader's own. */
function yamlMessage(message: string): string {
  return `YAML: ${message.charAt(0).toLowerCase()}${message.slice(1)}`;
}
