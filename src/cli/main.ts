#!/usr/bin/env node
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Command, CommanderError } from 'commander';
import { registerRealize } from './realize-command.js';
import { registerRouteGet } from './route-get-command.js';
import { registerVerify } from './verify-command.js';
import { registerRun } from './run-command.js';
import { registerTrace } from './trace-command.js';
import { registerShow } from './show-command.js';
import { registerCompile } from './compile-command.js';
import { registerDns } from './dns-command.js';
import { registerServe } from './serve-command.js';
import { registerReach } from './reach-command.js';
import { UsageError } from './usage-error.js';

const out = (s: string): void => {
  process.stdout.write(`${s}\n`);
};

function program(): Command {
  const p = new Command('net')
    .description('packetwalk: the Linux container-networking dataplane, emulated packet by packet')
    .version('0.1.0')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s) });
  registerRun(p, out);
  registerTrace(p, out);
  registerShow(p, out);
  registerRouteGet(p, out);
  registerRealize(p, out);
  registerVerify(p, out);
  registerCompile(p, out);
  registerDns(p, out);
  registerServe(p, out);
  registerReach(p, out);
  for (const c of p.commands) c.exitOverride().showHelpAfterError('(run with --help for usage)');
  return p;
}

/**
 * Runs the CLI and returns its exit status (also left in process.exitCode); usage errors and bad input exit 2
 * without a stack trace. Tests call it in-process; `net` calls it when this file is the entry point.
 */
export function main(argv: string[]): number {
  process.exitCode = undefined;
  try {
    program().parse(argv);
  } catch (e) {
    if (e instanceof CommanderError) {
      // --help and --version exit 0; every parse error is a usage error.
      process.exitCode = e.exitCode === 0 ? 0 : 2;
    } else if (e instanceof UsageError) {
      for (const l of e.lines) process.stderr.write(`${l}\n`);
      process.stderr.write(`net: ${e.message}\n`);
      process.exitCode = 2;
    } else throw e;
  }
  const code = process.exitCode;
  return typeof code === 'number' ? code : Number(code ?? 0);
}

/** Whether node was started on this file (directly, or through the `net` bin link). */
function isEntryPoint(): boolean {
  const script = process.argv[1];
  if (script === undefined) return false;
  try {
    return realpathSync(script) === fileURLToPath(import.meta.url);
  } catch {
    return false;
  }
}

if (isEntryPoint()) main(process.argv);
