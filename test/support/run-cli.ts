// The `net` command in-process: main() with stdout and stderr captured, for tests that run it many times
// (a subprocess per case would cost a node start each).

import { main } from '../../src/cli/main.js';

export interface CliRun {
  status: number;
  stdout: string;
  stderr: string;
}

/** Runs `net ...args` in this process and returns its exit status and output. */
export function runCli(...args: string[]): CliRun {
  const out: string[] = [];
  const err: string[] = [];
  const stdout = process.stdout.write;
  const stderr = process.stderr.write;
  const capture = (into: string[]) => ((chunk: string | Uint8Array): boolean => {
    into.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
    return true;
  }) as typeof process.stdout.write;
  process.stdout.write = capture(out);
  process.stderr.write = capture(err);
  let status: number;
  try {
    status = main(['node', 'net', ...args]);
  } finally {
    process.stdout.write = stdout;
    process.stderr.write = stderr;
    process.exitCode = undefined;
  }
  return { status, stdout: out.join(''), stderr: err.join('') };
}
