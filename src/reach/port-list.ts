// `--ports 80,81,8000-8002,http`: port numbers, ranges and container or Service port names.

import type { SyntaxResult } from '../kernel/syntax-words.js';
import { syntaxError } from '../kernel/syntax-words.js';

export interface PortList {
  numbers: number[];
  names: string[];
}

/** Ranges are capped so that a typo cannot ask for 65,535 columns. */
export const MAX_PORT_RANGE = 1024;

export function parsePortList(text: string): SyntaxResult<PortList> {
  const numbers: number[] = [];
  const names: string[] = [];
  let at = 0;
  for (const part of text.split(',')) {
    const col = at + 1;
    at += part.length + 1;
    const range = /^(\d+)-(\d+)$/.exec(part);
    if (range) {
      const lo = Number(range[1]);
      const hi = Number(range[2]);
      if (lo < 1 || hi > 65535 || lo > hi) return syntaxError(`"${part}" is not a range of ports LOW-HIGH in 1..65535`, col);
      if (hi - lo + 1 > MAX_PORT_RANGE) return syntaxError(`"${part}" holds ${hi - lo + 1} ports; at most ${MAX_PORT_RANGE} in one range`, col);
      for (let p = lo; p <= hi; p++) if (!numbers.includes(p)) numbers.push(p);
    } else if (/^\d+$/.test(part)) {
      const p = Number(part);
      if (p < 1 || p > 65535) return syntaxError(`port ${part} is not in 1..65535`, col);
      if (!numbers.includes(p)) numbers.push(p);
    } else if (/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(part) && part.length <= 15) {
      if (!names.includes(part)) names.push(part);
    } else {
      return syntaxError(`"${part}" is not a port, a range LOW-HIGH or a port name (IANA_SVC_NAME, at most 15 characters)`, col);
    }
  }
  return { ok: true, value: { numbers, names } };
}
