// Warnings: accepted input that deserves a word (a real sysctl packetwalk does not model). Printed as
// `file:line:col: warning: ...` on stderr; the exit status is what it would be without them.
import { describe, expect, it } from 'vitest';
import { loadScenarioFile } from '../src/scenario/load.js';
import { runCli } from './support/run-cli.js';

const FILE = 'test/fixtures/pasted-sysctls.yaml';

describe('warnings', () => {
  it('the loader accepts real but unmodelled sysctls, each with a located warning', () => {
    const r = loadScenarioFile(FILE);
    expect(r.ok).toBe(true);
    expect((r.warnings ?? []).map((w) => `${w.line}:${w.column} ${w.message}`)).toEqual([
      '8:7 namespace "a": sysctl net.ipv4.tcp_syncookies is real but not modelled: accepted, and it changes nothing in the emulator',
      '9:7 namespace "a": sysctl net.core.somaxconn is real but not modelled: accepted, and it changes nothing in the emulator',
      '10:7 namespace "a": sysctl net.ipv4.ip_local_port_range is real but not modelled: accepted, and it changes nothing in the emulator',
      '11:7 namespace "a": sysctl net.ipv4.conf.eth0.arp_notify is real but not modelled: accepted, and it changes nothing in the emulator',
    ]);
  });

  it('net run and net trace print them and exit as they would without them', () => {
    for (const args of [['run', FILE], ['trace', FILE, '--detail', 'minimal']]) {
      const r = runCli(...args);
      expect(r.status).toBe(0);
      expect(r.stderr).toContain(`${FILE}:8:7: warning: namespace "a": sysctl net.ipv4.tcp_syncookies is real but not modelled`);
      expect(r.stderr.split('\n').filter((l) => l.includes(': warning: '))).toHaveLength(4);
    }
  });
});
