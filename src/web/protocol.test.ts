import { describe, expect, it } from 'vitest';
import { MAX_MESSAGE_BYTES, parseClientMessage } from './protocol.js';

const trace = { type: 'trace', v: 1, id: 'r1', from: 'pod/client', to: 'svc/web:80', proto: 'tcp' };

describe('parseClientMessage', () => {
  it('accepts each request type in its documented shape', () => {
    expect(parseClientMessage(JSON.stringify(trace))).toEqual({ ok: true, message: trace });
    expect(parseClientMessage(JSON.stringify({ ...trace, dport: 8080, seed: 7, branches: true })).ok).toBe(true);
    for (const edit of [
      { op: 'ready', pod: 'default/web-0', ready: false },
      { op: 'scale', workload: 'default/deployment/web', replicas: 3 },
      { op: 'delete-pod', pod: 'web-0' },
      { op: 'delete-endpointslice', slice: 'default/web-abcde' },
    ]) expect(parseClientMessage(JSON.stringify({ type: 'edit', v: 1, id: 'e', edit })).ok, edit.op).toBe(true);
    expect(parseClientMessage('{"type":"timeline","v":1,"id":"t","point":null}').ok).toBe(true);
    expect(parseClientMessage('{"type":"timeline","v":1,"id":"t","point":"not-ready"}').ok).toBe(true);
    expect(parseClientMessage('{"type":"save","v":1,"id":"s"}').ok).toBe(true);
    expect(parseClientMessage('{"type":"reset","v":1,"id":"s"}').ok).toBe(true);
  });

  it.each([
    ['not JSON', '{"type":', 'bad-json', null],
    ['an array', '[1,2]', 'bad-message', null],
    ['no id', '{"type":"trace","v":1}', 'bad-message', null],
    ['an unknown type', '{"type":"shutdown","v":1,"id":"x"}', 'unknown-type', 'x'],
    ['another version', JSON.stringify({ ...trace, v: 2 }), 'bad-version', 'r1'],
    ['an unknown field', JSON.stringify({ ...trace, extra: 1 }), 'bad-message', 'r1'],
    ['a missing field', JSON.stringify({ ...trace, to: undefined }), 'bad-message', 'r1'],
    ['a bad protocol', JSON.stringify({ ...trace, proto: 'dccp' }), 'bad-message', 'r1'],
    ['a port out of range', JSON.stringify({ ...trace, dport: 70000 }), 'bad-message', 'r1'],
    ['a name with spaces', JSON.stringify({ ...trace, from: 'pod/a b' }), 'bad-message', 'r1'],
    ['an unknown edit', '{"type":"edit","v":1,"id":"e","edit":{"op":"drain","node":"a"}}', 'bad-message', 'e'],
    ['replicas out of range', '{"type":"edit","v":1,"id":"e","edit":{"op":"scale","workload":"deployment/web","replicas":-1}}', 'bad-message', 'e'],
  ])('refuses %s with a reason', (_what, text, code, id) => {
    const r = parseClientMessage(text);
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.error).toMatchObject({ type: 'error', v: 1, code, id });
      expect(r.error.message.length).toBeGreaterThan(5);
    }
  });

  it('refuses a message over the size cap unread', () => {
    const big = JSON.stringify({ ...trace, from: 'x'.repeat(MAX_MESSAGE_BYTES) });
    const r = parseClientMessage(big);
    expect(r.ok ? null : r.error.code).toBe('too-large');
  });
});
