import { describe, expect, it } from 'vitest';
import { parseSelector } from './selector.js';
import { parsePortList } from './port-list.js';

describe('--from / --to selectors', () => {
  it('reads every kind', () => {
    expect(parseSelector('pod/web-0')).toEqual({ ok: true, value: { kind: 'pod', name: 'web-0' } });
    expect(parseSelector('pod/x/a')).toEqual({ ok: true, value: { kind: 'pod', namespace: 'x', name: 'a' } });
    expect(parseSelector('x/a')).toEqual({ ok: true, value: { kind: 'pod', namespace: 'x', name: 'a' } });
    expect(parseSelector('ns/x')).toEqual({ ok: true, value: { kind: 'ns', namespace: 'x' } });
    expect(parseSelector('svc/web.shop:http')).toEqual({ ok: true, value: { kind: 'svc', name: 'web', namespace: 'shop', port: 'http' } });
    expect(parseSelector('svc/*')).toEqual({ ok: true, value: { kind: 'svc', name: '*' } });
    expect(parseSelector('node/node-a')).toEqual({ ok: true, value: { kind: 'node', name: 'node-a' } });
    expect(parseSelector('ext/client')).toEqual({ ok: true, value: { kind: 'host', name: 'client' } });
    expect(parseSelector('ctr/web')).toEqual({ ok: true, value: { kind: 'ctr', name: 'web' } });
    expect(parseSelector('app=web')).toMatchObject({ ok: true, value: { kind: 'labels', reqs: [{ op: 'in', key: 'app', values: ['web'] }] } });
    expect(parseSelector('x/pod in (a,b)')).toMatchObject({ ok: true, value: { kind: 'labels', namespace: 'x' } });
  });

  it('locates mistakes in the term', () => {
    expect(parseSelector('web')).toMatchObject({ ok: false, column: 1 });
    expect(parseSelector('pod/')).toMatchObject({ ok: false, column: 5 });
    expect(parseSelector('pod/Web')).toMatchObject({ ok: false, column: 5 });
    expect(parseSelector('svc/web:0')).toMatchObject({ ok: false, column: 9 });
    expect(parseSelector('x/app=we b')).toMatchObject({ ok: false, column: 7 });
    expect(parseSelector('svc/web.Shop')).toMatchObject({ ok: false, column: 9 });
  });
});

describe('--ports', () => {
  it('reads numbers, ranges and names', () => {
    expect(parsePortList('80,81,8000-8002,http')).toEqual({ ok: true, value: { numbers: [80, 81, 8000, 8001, 8002], names: ['http'] } });
  });
  it('locates mistakes', () => {
    expect(parsePortList('80,0')).toMatchObject({ ok: false, column: 4 });
    expect(parsePortList('80,90-85')).toMatchObject({ ok: false, column: 4 });
    expect(parsePortList('1-65535')).toMatchObject({ ok: false, column: 1 });
    expect(parsePortList('80,,81')).toMatchObject({ ok: false, column: 4 });
  });
});

describe('--jobs shares', () => {
  it('deals jobs round-robin, every job once', async () => {
    const { shareJobs } = await import('./reach-pool.js');
    expect(shareJobs([1, 2, 3, 4, 5], 2)).toEqual([[1, 3, 5], [2, 4]]);
    expect(shareJobs([1], 3)).toEqual([[1], [], []]);
  });
});
