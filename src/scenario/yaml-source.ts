// One scenario file being read: its YAML document, the line starts that turn offsets into line:col, and
// the diagnostics and warnings found so far. Every reader reports through it, so each message points at the
// node at fault.

import type { Document, Node, Scalar, YAMLError } from 'yaml';
import { isAlias, isCollection, isPair, isScalar, parseDocument } from 'yaml';
import type { Diagnostic } from './diagnostics.js';

/**
 * How many nodes aliases may bring in, all told. The loader follows aliases itself (yaml's maxAliasCount
 * applies only to toJS()), so without a bound a few kilobytes of nested anchors expand to millions of routes.
 */
export const ALIAS_EXPANSION_LIMIT = 25_000;

export class ScenarioSource {
  readonly diagnostics: Diagnostic[] = [];
  /** Accepted but worth saying (a real sysctl the emulator does not model): printed, exit status unchanged. */
  readonly warnings: Diagnostic[] = [];
  readonly document: Document;
  /** Offset of the first character of each line. yaml's LineCounter misses newlines it skips while
   * recovering from a syntax error, which shifts every later position, so positions are computed here. */
  private readonly lineStarts: number[] = [0];
  private aliasBudget = ALIAS_EXPANSION_LIMIT;
  private readonly nodeSizes = new WeakMap<Node, number>();

  constructor(
    readonly file: string,
    readonly text: string,
  ) {
    for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) this.lineStarts.push(i + 1);
    // prettyErrors off: the message stays one line, the position is ours to format.
    this.document = parseDocument(text, { prettyErrors: false });
    let exhausted = false;
    for (const e of this.document.errors) {
      // One overflow is reported once, not at every level it unwound through.
      if (e.code === 'RESOURCE_EXHAUSTION') {
        if (exhausted) continue;
        exhausted = true;
      }
      this.errorAt(e.pos[0], yamlMessage(e));
    }
  }

  /** The document's root node, or undefined for an empty file. */
  get root(): Node | undefined {
    const c = this.document.contents;
    return c === null ? undefined : this.resolve(c);
  }

  errorAt(offset: number, message: string): void {
    this.diagnostics.push({ file: this.file, ...this.position(offset), message });
  }

  warnAt(offset: number, message: string): void {
    this.warnings.push({ file: this.file, ...this.position(offset), message });
  }

  /** A warning at the start of `node`. */
  warn(node: Node | null | undefined, message: string): void {
    this.warnAt(node?.range?.[0] ?? 0, message);
  }

  /** Where a node starts, 1-based. */
  locate(node: Node): { line: number; column: number } {
    return this.position(node.range?.[0] ?? 0);
  }

  /** 1-based line and column of an offset, clamped to the text. */
  position(offset: number): { line: number; column: number } {
    const at = Math.max(0, Math.min(offset, this.text.length));
    let lo = 0;
    let hi = this.lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.lineStarts[mid] <= at) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, column: at - this.lineStarts[lo] + 1 };
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

  /**
   * Follows an alias to its anchor; undefined (with a diagnostic) for an alias to nothing, and once the
   * aliases followed so far have brought in more than ALIAS_EXPANSION_LIMIT nodes.
   */
  resolve(node: Node | null | undefined): Node | undefined {
    if (node === null || node === undefined || !isAlias(node)) return node ?? undefined;
    if (this.aliasBudget < 0) return undefined;
    const target = node.resolve(this.document) as Node | undefined;
    if (target === undefined) {
      this.error(node, `unknown alias *${node.source}`);
      return undefined;
    }
    this.aliasBudget -= this.sizeOf(target);
    if (this.aliasBudget < 0) {
      this.error(node, `aliases expand to more than ${ALIAS_EXPANSION_LIMIT} YAML nodes by here (*${node.source} is one of them): `
        + 'write the repeated content out, or repeat less of it');
      return undefined;
    }
    return target;
  }

  /** Nodes in a subtree (an alias inside counts as one: it is paid for when it is followed). */
  private sizeOf(node: Node): number {
    const known = this.nodeSizes.get(node);
    if (known !== undefined) return known;
    let size = 1;
    const stack: unknown[] = [node];
    while (stack.length > 0) {
      const n = stack.pop();
      if (isPair(n)) {
        size++;
        stack.push(n.key, n.value);
      } else if (isCollection(n)) {
        size += n.items.length;
        for (const item of n.items) stack.push(item);
      }
    }
    this.nodeSizes.set(node, size);
    return size;
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

/**
 * yaml's messages, first letter lower-cased to read like the loader's own; those that speak of the library's
 * API or of JavaScript's limits are said in the file's terms instead.
 */
function yamlMessage(e: YAMLError): string {
  if (e.code === 'MULTIPLE_DOCS') {
    return 'YAML: a second document starts here ("---"): a scenario file holds one document (one Topology); put the other in a file of its own';
  }
  if (e.code === 'RESOURCE_EXHAUSTION' && /call stack/i.test(e.message)) {
    return 'YAML: nesting too deep to read: lists and maps here are nested hundreds of levels deep (a scenario needs a handful)';
  }
  return `YAML: ${e.message.charAt(0).toLowerCase()}${e.message.slice(1)}`;
}
