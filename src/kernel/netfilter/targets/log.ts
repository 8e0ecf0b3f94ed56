// Linux: log_tg() in net/netfilter/xt_LOG.c writes to the kernel log and continues; here it reports an event.
// Save form from LOG_save() in extensions/libxt_LOG.c: the level is left out when it is 4 (warning).

import type { TargetModule } from '../module.js';
import { saveString } from '../save-string.js';

const LEVELS: ReadonlyArray<readonly [string, number]> = [
  ['emerg', 0], ['panic', 0], ['alert', 1], ['crit', 2], ['error', 3], ['err', 3], ['warning', 4], ['warn', 4],
  ['notice', 5], ['info', 6], ['debug', 7],
];
const FLAGS = ['log-tcp-sequence', 'log-tcp-options', 'log-ip-options', 'log-uid', 'log-macdecode'] as const;

export const logTarget: TargetModule = {
  name: 'LOG',
  options: [
    { name: 'log-level', args: 1 },
    { name: 'log-prefix', args: 1 },
    ...FLAGS.map((name) => ({ name, args: 0 as const })),
  ],
  create() {
    const s: { level: number; prefix: string | null; flags: Set<string> } = { level: 4, prefix: null, flags: new Set() };
    return {
      option(name, args) {
        if (name === 'log-level') {
          const a = args[0];
          const named = LEVELS.find(([n]) => n === a);
          const level = named ? named[1] : /^[0-7]$/.test(a) ? parseInt(a, 10) : -1;
          if (level < 0) return `log-level \`${a}' unknown`;
          s.level = level;
        } else if (name === 'log-prefix') {
          if (args[0].length > 29) return 'Maximum prefix length 29 for --log-prefix';
          s.prefix = args[0];
        } else s.flags.add(name);
        return undefined;
      },
      finish() {
        const w: string[] = [];
        if (s.prefix !== null) w.push(`--log-prefix ${saveString(s.prefix)}`);
        if (s.level !== 4) w.push(`--log-level ${s.level}`);
        for (const f of FLAGS) if (s.flags.has(f)) w.push(`--${f}`);
        const event = { kind: 'log' as const, prefix: s.prefix ?? '', level: s.level };
        return { name: 'LOG', saveText: w.join(' '), apply: () => ({ kind: 'continue', event }) };
      },
    };
  },
};
