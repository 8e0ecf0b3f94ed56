import { describe, expect, it } from 'vitest';
import { labelsMatch, looksLikeLabelSelector, parseLabelSelector } from './label-selector.js';

function sel(text: string) {
  const r = parseLabelSelector(text);
  if (!r.ok) throw new Error(`${r.error} at ${r.column}`);
  return r.value;
}

describe('label selectors as kubectl -l reads them', () => {
  const web = { app: 'web', tier: 'front' };
  const db = { app: 'db' };

  it('matches equality, inequality, sets and existence', () => {
    expect(labelsMatch(sel('app=web'), web)).toBe(true);
    expect(labelsMatch(sel('app==web'), db)).toBe(false);
    expect(labelsMatch(sel('app!=web'), db)).toBe(true);
    expect(labelsMatch(sel('tier!=back'), db)).toBe(true); // a missing key satisfies !=
    expect(labelsMatch(sel('app in (db, cache)'), db)).toBe(true);
    expect(labelsMatch(sel('app notin (db,cache)'), web)).toBe(true);
    expect(labelsMatch(sel('tier'), web)).toBe(true);
    expect(labelsMatch(sel('!tier'), web)).toBe(false);
    expect(labelsMatch(sel('app=web,tier=front'), web)).toBe(true);
    expect(labelsMatch(sel('app=web,tier=back'), web)).toBe(false);
  });

  it('locates mistakes', () => {
    expect(parseLabelSelector('app=web,')).toMatchObject({ ok: false, column: 9 });
    expect(parseLabelSelector('app=we b')).toMatchObject({ ok: false, column: 5 });
    expect(parseLabelSelector('app in (a,b c)')).toMatchObject({ ok: false, column: 11 });
    expect(parseLabelSelector('a=b,=x')).toMatchObject({ ok: false });
  });

  it('tells selectors from names', () => {
    expect(looksLikeLabelSelector('app=web')).toBe(true);
    expect(looksLikeLabelSelector('!canary')).toBe(true);
    expect(looksLikeLabelSelector('web-0')).toBe(false);
  });
});
