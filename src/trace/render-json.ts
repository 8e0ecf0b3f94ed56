import type { Trace } from './model.js';

/** `-o json`: the Trace model as is (schema packetwalk.trace/v1), two-space indented, one trace per document. */
export function renderTraceJson(t: Trace): string {
  return JSON.stringify(t, null, 2);
}
