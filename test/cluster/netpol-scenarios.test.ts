// The shipped NetworkPolicy scenarios (scenarios/netpol-*.yaml) pass `net run`, through the command itself.
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { registerRun } from '../../src/cli/run-command.js';

const dir = fileURLToPath(new URL('../../scenarios/', import.meta.url));
const files = readdirSync(dir).filter((f) => f.startsWith('netpol-') && f.endsWith('.yaml'));

describe('NetworkPolicy scenarios', () => {
  it.each(files)('%s passes net run', async (f) => {
    const lines: string[] = [];
    const program = new Command().exitOverride();
    registerRun(program, (s) => lines.push(s));
    process.exitCode = 0;
    await program.parseAsync(['node', 'net', 'run', `${dir}${f}`]);
    const text = lines.join('\n');
    const code = process.exitCode;
    process.exitCode = 0;
    expect(text).toMatch(/ 0 failed/);
    expect(code, text).toBe(0);
  });
});
