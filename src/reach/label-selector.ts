// Label selectors as kubectl's -l takes them (k8s.io/apimachinery/pkg/labels/selector.go Parse): requirements
// separated by commas, all of which must hold: `k=v`, `k==v`, `k!=v`, `k in (a,b)`, `k notin (a,b)`, `k`
// (exists), `!k` (does not exist).

import type { SyntaxResult } from '../kernel/syntax-words.js';
import { syntaxError } from '../kernel/syntax-words.js';

export type LabelRequirement =
  | { op: 'in' | 'notin'; key: string; values: string[] }
  | { op: 'exists' | 'notexists'; key: string };

/** `k8s.io/apimachinery` qualified names (with an optional DNS prefix) and label values. */
const KEY = /^(?:[a-z0-9]([-a-z0-9.]*[a-z0-9])?\/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const VALUE = /^(?:[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)?$/;

/** Whether `text` reads as a label selector rather than a name (it has an operator in it). */
export function looksLikeLabelSelector(text: string): boolean {
  return /[=!]/.test(text) || / (?:not)?in ?\(/.test(text);
}

/** Splits on commas outside parentheses, keeping each part's 0-based offset. */
function parts(text: string): { text: string; at: number }[] {
  const out: { text: string; at: number }[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i <= text.length; i++) {
    const c = text[i];
    if (c === '(') depth++;
    else if (c === ')') depth--;
    else if ((c === ',' && depth === 0) || i === text.length) {
      out.push({ text: text.slice(start, i), at: start });
      start = i + 1;
    }
  }
  return out;
}

function checkKey(key: string, col: number): SyntaxResult<string> {
  return KEY.test(key) && key.length <= 316 ? { ok: true, value: key } : syntaxError(`"${key}" is not a label key (letters, digits, - _ . and an optional prefix/)`, col);
}

function checkValue(value: string, col: number): SyntaxResult<string> {
  return VALUE.test(value) && value.length <= 63 ? { ok: true, value } : syntaxError(`"${value}" is not a label value (at most 63 letters, digits, - _ .)`, col);
}

function requirement(raw: string, at: number): SyntaxResult<LabelRequirement> {
  const lead = raw.length - raw.trimStart().length;
  const text = raw.trim();
  const col = at + lead + 1;
  if (text === '') return syntaxError('expected a requirement (key=value, key!=value, key in (a,b), key, !key)', col);
  if (text.startsWith('!')) {
    const k = checkKey(text.slice(1).trim(), col + 1);
    return k.ok ? { ok: true, value: { op: 'notexists', key: k.value } } : k;
  }
  const set = /^(\S+)\s+(in|notin)\s*\((.*)\)$/.exec(text);
  if (set) {
    const k = checkKey(set[1], col);
    if (!k.ok) return k;
    const values: string[] = [];
    const open = text.indexOf('(');
    let off = open + 1;
    for (const v of set[3].split(',')) {
      const c = checkValue(v.trim(), col + off + (v.length - v.trimStart().length));
      if (!c.ok) return c;
      values.push(c.value);
      off += v.length + 1;
    }
    return { ok: true, value: { op: set[2] as 'in' | 'notin', key: k.value, values } };
  }
  const eq = /^([^=!]+?)\s*(==|=|!=)\s*(.*)$/.exec(text);
  if (eq) {
    const k = checkKey(eq[1], col);
    if (!k.ok) return k;
    const valueCol = col + text.length - eq[3].length;
    const v = checkValue(eq[3], valueCol);
    if (!v.ok) return v;
    return { ok: true, value: { op: eq[2] === '!=' ? 'notin' : 'in', key: k.value, values: [v.value] } };
  }
  if (/[=!()]/.test(text)) return syntaxError(`cannot read "${text}": expected key=value, key!=value, key in (a,b), key notin (a,b), key or !key`, col);
  const k = checkKey(text, col);
  return k.ok ? { ok: true, value: { op: 'exists', key: k.value } } : k;
}

/** Parses a selector; columns in errors are 1-based within `text`. */
export function parseLabelSelector(text: string): SyntaxResult<LabelRequirement[]> {
  const out: LabelRequirement[] = [];
  for (const p of parts(text)) {
    const r = requirement(p.text, p.at);
    if (!r.ok) return r;
    out.push(r.value);
  }
  return { ok: true, value: out };
}

/** labels.Selector.Matches: every requirement holds (`notin` and `!=` hold for a missing key too). */
export function labelsMatch(reqs: readonly LabelRequirement[], labels: Readonly<Record<string, string>>): boolean {
  return reqs.every((r) => {
    const has = Object.prototype.hasOwnProperty.call(labels, r.key);
    switch (r.op) {
      case 'exists':
        return has;
      case 'notexists':
        return !has;
      case 'in':
        return has && r.values.includes(labels[r.key]);
      case 'notin':
        return !has || !r.values.includes(labels[r.key]);
    }
  });
}
