// A user mistake in a scenario file, located the way compilers locate theirs (file:line:col), so editors
// and terminals can jump to it. The loader reports every mistake it finds, not just the first.

export interface Diagnostic {
  file: string;
  /** 1-based. */
  line: number;
  /** 1-based. */
  column: number;
  message: string;
}

/** `file:line:col: error: message`, the GNU form editors recognise. */
export function formatDiagnostic(d: Diagnostic): string {
  return `${d.file}:${d.line}:${d.column}: error: ${d.message}`;
}

/** `file:line:col: warning: message`: accepted, but said (exit status unchanged). */
export function formatWarning(d: Diagnostic): string {
  return `${d.file}:${d.line}:${d.column}: warning: ${d.message}`;
}

/** Diagnostics in file order; ties keep the order they were found in. */
export function sortDiagnostics(diagnostics: readonly Diagnostic[]): Diagnostic[] {
  return diagnostics
    .map((d, i) => ({ d, i }))
    // Code-unit order for file names: the same on every machine, and fast for 100,000 diagnostics.
    .sort((a, b) => (a.d.file < b.d.file ? -1 : a.d.file > b.d.file ? 1 : 0) || a.d.line - b.d.line || a.d.column - b.d.column || a.i - b.i)
    .map(({ d }) => d);
}
