import { describe, expect, it } from 'vitest';
import { decodeScenarioBytes } from './file-encoding.js';

const utf16le = (s: string) => Uint8Array.from(Buffer.from(s, 'utf16le'));

describe('decodeScenarioBytes', () => {
  it('reads UTF-8 and drops its byte-order mark', () => {
    expect(decodeScenarioBytes(Uint8Array.from(Buffer.from('\ufeffkind: Topology\n', 'utf8')))).toEqual({ ok: true, text: 'kind: Topology\n' });
    expect(decodeScenarioBytes(Uint8Array.from(Buffer.from('name: é\n', 'utf8')))).toEqual({ ok: true, text: 'name: é\n' });
  });

  it('names a UTF-16 file by its byte-order mark instead of reading mojibake', () => {
    const r = decodeScenarioBytes(Uint8Array.from([0xff, 0xfe, ...utf16le('kind: Topology\n')]));
    expect(r).toMatchObject({ ok: false, line: 1, column: 1 });
    expect(!r.ok && r.message).toMatch(/^the file is UTF-16LE .*scenario files are UTF-8/);
    const be = decodeScenarioBytes(Uint8Array.from([0xfe, 0xff, 0, 0x6b]));
    expect(!be.ok && be.message).toMatch(/^the file is UTF-16BE/);
  });

  it('recognises UTF-16 without a byte-order mark by its NUL bytes', () => {
    const r = decodeScenarioBytes(utf16le('kind: Topology\n'));
    expect(!r.ok && r.message).toMatch(/looks like UTF-16LE/);
  });

  it('locates a NUL byte or a byte that is not UTF-8', () => {
    expect(decodeScenarioBytes(Uint8Array.from(Buffer.from('a: 1\nbé: \u0000', 'utf8')))).toMatchObject({ ok: false, line: 2, column: 5 });
    const latin1 = decodeScenarioBytes(Uint8Array.from([...Buffer.from('a: 1\nb: caf'), 0xe9, 0x0a]));
    expect(latin1).toMatchObject({ ok: false, line: 2, column: 7 });
    expect(!latin1.ok && latin1.message).toContain('byte 0xe9 at offset 11 is not UTF-8');
  });
});
