// A scenario file's bytes as text. Scenario files are UTF-8 (YAML 1.2 allows UTF-16 and UTF-32 too, but the
// tools people paste from print UTF-8); a file saved as UTF-16 (Windows editors, PowerShell's `>`) is named
// as such instead of being read as mojibake, and bytes that are not text are located.

export type Decoded = { ok: true; text: string } | { ok: false; line: number; column: number; message: string };

const CONVERT = 'save it as UTF-8 (iconv -f UTF-16 -t UTF-8 FILE)';

/** Decodes UTF-8 (a byte-order mark is dropped); any other encoding or invalid bytes are a located error. */
export function decodeScenarioBytes(bytes: Uint8Array): Decoded {
  const bom = byteOrderMark(bytes);
  if (bom !== undefined) return { ok: false, line: 1, column: 1, message: `the file is ${bom} (it starts with that byte-order mark); scenario files are UTF-8: ${CONVERT.replace('UTF-16', bom)}` };
  const nul = bytes.indexOf(0);
  if (nul >= 0) {
    // ASCII text in UTF-16 has a NUL in every other byte: after each character (LE) or before it (BE).
    const guess = nul === 1 && bytes[0] !== 0 ? 'UTF-16LE' : nul === 0 && bytes.length > 1 && bytes[1] !== 0 ? 'UTF-16BE' : undefined;
    if (guess !== undefined) return { ok: false, line: 1, column: 1, message: `the file looks like ${guess} text without a byte-order mark (a NUL byte beside each character); scenario files are UTF-8: ${CONVERT}` };
    return { ok: false, ...positionOf(bytes, nul), message: 'a NUL byte: this is binary data, not a YAML scenario' };
  }
  const bad = firstInvalidUtf8(bytes);
  if (bad >= 0) return { ok: false, ...positionOf(bytes, bad), message: `byte 0x${bytes[bad].toString(16).padStart(2, '0')} at offset ${bad} is not UTF-8: scenario files are UTF-8 text` };
  const start = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0;
  return { ok: true, text: new TextDecoder('utf-8').decode(bytes.subarray(start)) };
}

function byteOrderMark(b: Uint8Array): string | undefined {
  if (b[0] === 0xff && b[1] === 0xfe && b[2] === 0 && b[3] === 0) return 'UTF-32LE';
  if (b[0] === 0 && b[1] === 0 && b[2] === 0xfe && b[3] === 0xff) return 'UTF-32BE';
  if (b[0] === 0xff && b[1] === 0xfe) return 'UTF-16LE';
  if (b[0] === 0xfe && b[1] === 0xff) return 'UTF-16BE';
  return undefined;
}

/** The offset of the first byte that does not start or continue a valid UTF-8 sequence, or -1. */
function firstInvalidUtf8(b: Uint8Array): number {
  let i = 0;
  while (i < b.length) {
    const c = b[i];
    const n = c < 0x80 ? 0 : c >= 0xc2 && c <= 0xdf ? 1 : c >= 0xe0 && c <= 0xef ? 2 : c >= 0xf0 && c <= 0xf4 ? 3 : -1;
    if (n < 0) return i;
    for (let k = 1; k <= n; k++) if (i + k >= b.length || (b[i + k] & 0xc0) !== 0x80) return i;
    // Overlong forms, surrogates and code points past U+10FFFF (RFC 3629).
    if (n === 2 && ((c === 0xe0 && b[i + 1] < 0xa0) || (c === 0xed && b[i + 1] >= 0xa0))) return i;
    if (n === 3 && ((c === 0xf0 && b[i + 1] < 0x90) || (c === 0xf4 && b[i + 1] >= 0x90))) return i;
    i += n + 1;
  }
  return -1;
}

/** Line and column (in characters, counting each UTF-8 sequence once) of a byte offset. */
function positionOf(b: Uint8Array, offset: number): { line: number; column: number } {
  let line = 1;
  let column = 1;
  for (let i = 0; i < offset; i++) {
    if (b[i] === 0x0a) {
      line++;
      column = 1;
    } else if ((b[i] & 0xc0) !== 0x80) column++;
  }
  return { line, column };
}
