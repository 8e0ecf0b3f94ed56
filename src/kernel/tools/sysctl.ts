// `sysctl [-w] [-q] KEY=VALUE...` (procps-ng sysctl): each setting written in turn, a failing one reported and
// the rest still written. Keys are the modelled ones (src/kernel/netns/sysctl-names.ts).

import type { Netns } from '../netns/netns.js';
import { formatSysctlRanges, isKnownSysctl, isSysctlValueAllowed, knownSysctlNames, parseSysctlName, sysctlDef } from '../netns/sysctl-names.js';
import type { Word } from '../syntax-words.js';
import { didYouMean } from '../syntax-words.js';
import type { ParseResult, SysctlCommand, ToolError } from './command.js';
import { fail } from './command.js';

export function parseSysctl(text: string, words: readonly Word[]): ParseResult {
  const settings: Array<{ key: string; value: number; column: number }> = [];
  const errors: ToolError[] = [];
  for (const w of words.slice(1)) {
    if (w.text === '-w' || w.text === '--write' || w.text === '-q' || w.text === '--quiet' || w.text === '-e') continue;
    if (w.text.startsWith('-')) return fail(`sysctl: unknown option "${w.text}" (modelled: -w, -q, -e)`, w.column);
    const eq = w.text.indexOf('=');
    if (eq <= 0) {
      errors.push({ column: w.column, message: `sysctl: "${w.text}" must be KEY=VALUE: invalid syntax` });
      continue;
    }
    // procps-ng accepts '/' as the separator too.
    const rawKey = w.text.slice(0, eq);
    const key = rawKey.includes('/') && !rawKey.includes('.') ? rawKey.replaceAll('/', '.') : rawKey;
    const valueText = w.text.slice(eq + 1);
    if (parseSysctlName(key) === undefined) {
      errors.push({ column: w.column, message: `sysctl: "${key}" is not a modelled sysctl${didYouMean(key, knownSysctlNames([]))}` });
      continue;
    }
    if (!/^-?[0-9]+$/.test(valueText)) {
      errors.push({ column: w.column + eq + 1, message: `sysctl: setting key "${key}": Invalid argument (expected an integer)` });
      continue;
    }
    // The kernel takes most values (proc_dointvec() checks no range); packetwalk models the documented ones.
    const def = sysctlDef(key);
    if (def !== undefined && !isSysctlValueAllowed(key, Number(valueText))) {
      errors.push({ column: w.column + eq + 1, message: `sysctl: ${valueText} is not a modelled value of ${key} (${formatSysctlRanges(def)})` });
      continue;
    }
    settings.push({ key, value: Number(valueText), column: w.column });
  }
  if (errors.length) return { ok: false, errors };
  if (settings.length === 0) return fail('sysctl: expected KEY=VALUE after -w', words[0].column);
  const cmd: SysctlCommand = { tool: 'sysctl', text, settings };
  return { ok: true, command: cmd };
}

export function applySysctl(ns: Netns, cmd: SysctlCommand): string[] {
  const out: string[] = [];
  for (const s of cmd.settings) {
    if (!isKnownSysctl(s.key, ns.deviceNames())) {
      out.push(`sysctl: cannot stat /proc/sys/${s.key.replaceAll('.', '/')}: No such file or directory`);
      continue;
    }
    ns.sysctls.set(s.key, s.value, ns.deviceNames());
    if (s.key === 'net.netfilter.nf_conntrack_tcp_loose') ns.nf?.conntrack.setSysctls({ tcpLoose: s.value !== 0 });
    if (s.key === 'net.netfilter.nf_conntrack_tcp_be_liberal') ns.nf?.conntrack.setSysctls({ tcpBeLiberal: s.value !== 0 });
  }
  return out;
}
