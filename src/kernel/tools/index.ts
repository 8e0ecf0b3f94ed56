// TEMPORARY STUB (branch `timeline`): the `tools` branch owns src/kernel/tools/ and replaces this file at
// merge time with the real interpreters. Only the API below is a contract; the stub understands just enough
// for the timeline runner and its scenarios: `iptables [-t T] -A|-I|-D|-R|-F ...`, `iptables-restore
// --noflush` (stdin), `conntrack -D|-F` with -p / --orig-src / --orig-dst / --dport filters, `sysctl -w k=v`.

import type { Netns } from '../netns/netns.js';
import { cloneRuleset, emptyRuleset, indexRuleset, parseRestore, restore } from '../netfilter/index.js';
import { netfilterEngine, netfilterState } from '../netfilter/hook-engine.js';
import { parseIpv4 } from '../../wire/ipv4-addr.js';

export interface ToolError {
  column: number;
  message: string;
}

export type ParsedCommand = { tool: 'ip' | 'iptables' | 'iptables-restore' | 'conntrack' | 'sysctl'; text: string; stdin?: string };

type Parsed = { ok: true; command: ParsedCommand } | { ok: false; errors: ToolError[] };

const TOOLS = ['ip', 'iptables', 'iptables-restore', 'conntrack', 'sysctl'] as const;
const PROTOS: Record<string, number> = { tcp: 6, udp: 17, icmp: 1 };

/** Words with their 1-based columns. */
function words(text: string): Array<{ w: string; col: number }> {
  const out: Array<{ w: string; col: number }> = [];
  for (const m of text.matchAll(/\S+/g)) out.push({ w: m[0], col: (m.index ?? 0) + 1 });
  return out;
}

/** `iptables [-t T] REST` as one iptables-restore block. */
function iptablesBlock(text: string): { table: string; rest: string; restCol: number } | ToolError {
  const ws = words(text);
  let i = 1;
  let table = 'filter';
  if (ws[i]?.w === '-t') {
    if (ws[i + 1] === undefined) return { column: ws[i].col, message: 'option "-t" requires an argument' };
    table = ws[i + 1].w;
    i += 2;
  }
  if (ws[i] === undefined) return { column: text.length + 1, message: 'no command specified' };
  return { table, rest: text.slice(ws[i].col - 1), restCol: ws[i].col };
}

/** Parses `text` (and stdin for iptables-restore) as the tool would, without touching any World. */
export function parseCommand(text: string, stdin?: string): Parsed {
  const ws = words(text);
  const tool = ws[0]?.w;
  if (tool === undefined || !(TOOLS as readonly string[]).includes(tool)) {
    return { ok: false, errors: [{ column: ws[0]?.col ?? 1, message: `unknown command "${tool ?? ''}": expected one of ${TOOLS.join(', ')}` }] };
  }
  const command: ParsedCommand = { tool: tool as ParsedCommand['tool'], text };
  if (stdin !== undefined) command.stdin = stdin;
  switch (tool) {
    case 'iptables': {
      const b = iptablesBlock(text);
      if ('column' in b) return { ok: false, errors: [b] };
      const { errors } = parseRestore(`*${b.table}\n${b.rest}\nCOMMIT\n`, emptyRuleset(), { noflush: true });
      if (errors.length > 0) return { ok: false, errors: [{ column: b.restCol + (errors[0].column ?? 1) - 1, message: errors[0].message }] };
      return { ok: true, command };
    }
    case 'iptables-restore': {
      if (ws[1]?.w !== '--noflush') return { ok: false, errors: [{ column: ws[1]?.col ?? text.length + 1, message: 'a timeline step takes "iptables-restore --noflush" (without it every table is replaced)' }] };
      if (stdin === undefined) return { ok: false, errors: [{ column: 1, message: 'iptables-restore needs its input in "stdin"' }] };
      return { ok: true, command };
    }
    case 'conntrack': {
      const op = ws[1]?.w;
      if (op !== '-D' && op !== '-F') return { ok: false, errors: [{ column: ws[1]?.col ?? text.length + 1, message: 'expected -D or -F' }] };
      for (let i = 2; i < ws.length; i += 2) {
        const opt = ws[i].w;
        if (!['-p', '--orig-src', '--orig-dst', '--dport', '--orig-port-dst', '-s', '-d'].includes(opt)) return { ok: false, errors: [{ column: ws[i].col, message: `unknown option "${opt}"` }] };
        const v = ws[i + 1];
        if (v === undefined) return { ok: false, errors: [{ column: ws[i].col, message: `option "${opt}" requires an argument` }] };
        if (opt === '-p' && !(v.w in PROTOS)) return { ok: false, errors: [{ column: v.col, message: `unknown protocol "${v.w}"` }] };
        if (['--orig-src', '--orig-dst', '-s', '-d'].includes(opt) && parseIpv4(v.w) === undefined) return { ok: false, errors: [{ column: v.col, message: `bad address "${v.w}"` }] };
      }
      return { ok: true, command };
    }
    case 'sysctl': {
      if (ws[1]?.w !== '-w' || ws[2] === undefined || !/^[\w.-]+=\d+$/.test(ws[2].w)) return { ok: false, errors: [{ column: ws[2]?.col ?? ws[1]?.col ?? text.length + 1, message: 'expected "sysctl -w KEY=VALUE"' }] };
      return { ok: true, command };
    }
    default:
      return { ok: false, errors: [{ column: ws[1]?.col ?? 1, message: `${tool}: not understood by the stub interpreter` }] };
  }
}

/** Replaces the namespace's rules, keeping its conntrack table and match state. */
function setRules(ns: Netns, text: string): string[] {
  const base = ns.nf ? ns.nf.ruleset : emptyRuleset();
  const { ruleset, errors } = restore(text, cloneRuleset(base), { noflush: true });
  if (errors.length > 0) return errors.map((e) => `iptables: ${e.message}`);
  if (ns.nf) {
    ns.nf.ruleset = ruleset;
    ns.nf.index = indexRuleset(ruleset);
    ns.nf.ctActive ||= netfilterState(ruleset, (k) => ns.sysctls.get(k)).ctActive;
  } else {
    ns.nf = netfilterState(ruleset, (k) => ns.sysctls.get(k));
    ns.netfilter = netfilterEngine(ns, ns.nf);
  }
  return [];
}

/** Applies a parsed command to a live namespace; what the tool prints on stderr when it fails, [] on success. */
export function applyCommand(ns: Netns, command: ParsedCommand, now: number): string[] {
  const ws = words(command.text).map((x) => x.w);
  switch (command.tool) {
    case 'iptables': {
      const b = iptablesBlock(command.text);
      if ('column' in b) return [b.message];
      return setRules(ns, `*${b.table}\n${b.rest}\nCOMMIT\n`);
    }
    case 'iptables-restore':
      return setRules(ns, command.stdin ?? '');
    case 'conntrack': {
      if (!ns.nf) return ['conntrack v1.4.8 (conntrack-tools): 0 flow entries have been deleted.'];
      const f = new Map<string, string>();
      for (let i = 2; i + 1 < ws.length; i += 2) f.set(ws[i], ws[i + 1]);
      const table = ns.nf.conntrack;
      let n = 0;
      for (const e of table.entries(now)) {
        if (ws[1] === '-D') {
          if (f.has('-p') && e.orig.proto !== PROTOS[f.get('-p') ?? '']) continue;
          const src = f.get('--orig-src') ?? f.get('-s');
          const dst = f.get('--orig-dst') ?? f.get('-d');
          const dport = f.get('--dport') ?? f.get('--orig-port-dst');
          if (src !== undefined && e.orig.src !== parseIpv4(src)) continue;
          if (dst !== undefined && e.orig.dst !== parseIpv4(dst)) continue;
          if (dport !== undefined && e.orig.dport !== Number(dport)) continue;
        }
        table.delete(e);
        n++;
      }
      return ws[1] === '-D' && n === 0 ? ['conntrack v1.4.8 (conntrack-tools): 0 flow entries have been deleted.'] : [];
    }
    case 'sysctl': {
      const [k, v] = ws[2].split('=');
      ns.sysctls.set(k, Number(v), ns.deviceNames());
      return [];
    }
    case 'ip':
      return [`${command.text}: not understood by the stub interpreter`];
  }
}

/** The shell line that does the same on a real kernel inside namespace `netnsName`. */
export function realizeCommand(netnsName: string, command: ParsedCommand): string {
  const q = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;
  if (command.stdin !== undefined) return `printf '%s' ${q(command.stdin)} | ip netns exec ${netnsName} ${command.text}`;
  return `ip netns exec ${netnsName} ${command.text}`;
}
