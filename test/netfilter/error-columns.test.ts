// Every iptables-restore diagnostic points at a word: over 300 generated rulesets, about half carrying one
// realistic mistake (test/kernel/iptables-gen), each error has a line of the input and a column inside it.

import { describe, expect, it } from 'vitest';
import { restore } from '../../src/kernel/netfilter/index.js';
import { generateInputs } from '../kernel/iptables-gen/generate.js';

describe('iptables-restore errors carry a column inside their line', () => {
  const inputs = generateInputs(8080, 300, 0.5);

  it('the generator produced mistakes to check', () => {
    const refused = inputs.filter((i) => restore(i.text).errors.length > 0);
    expect(refused.length).toBeGreaterThan(60);
  });

  it('every error of every input', () => {
    const bad: string[] = [];
    let checked = 0;
    for (const input of inputs) {
      const lines = input.text.split('\n');
      for (const e of restore(input.text).errors) {
        checked++;
        // "COMMIT expected at line N+1" points just past the end: column 1 of the line after the last.
        const text = lines[e.line - 1] ?? '';
        const ok = e.column !== undefined && e.column >= 1 && e.column <= Math.max(1, text.length + 1) && e.line >= 1 && e.line <= lines.length + 1;
        if (!ok) bad.push(`input ${input.id} (${input.intent}): line ${e.line} col ${e.column}: ${e.message} | ${text}`);
      }
    }
    expect(checked).toBeGreaterThan(60);
    expect(bad).toEqual([]);
  });
});
