// Test helpers: a namespace to run commands in, and a shorthand that parses and applies one command.

import { ns, veth } from '../../../test/support/specs.js';
import { buildWorld } from '../netns/build-world.js';
import type { Netns } from '../netns/netns.js';
import type { NetnsSpec } from '../netns/world-spec.js';
import { applyCommand, parseCommand } from './index.js';

/** Namespace `n` with eth0 10.0.1.2/24 (peer p0 in `peer`, 10.0.1.1/24) and eth1 10.0.2.2/24 (peer p1). */
export function toolNetns(extra: Partial<NetnsSpec> = {}): Netns {
  const world = buildWorld({
    name: 'tools',
    namespaces: [
      ns('n', [veth('eth0', 'peer/p0', '10.0.1.2/24'), veth('eth1', 'peer/p1', '10.0.2.2/24')], extra),
      ns('peer', [veth('p0', 'n/eth0', '10.0.1.1/24'), veth('p1', 'n/eth1', '10.0.2.1/24')]),
    ],
  });
  return world.netns('n')!;
}

/** Parses and applies `text`; throws on a parse error (tests of parse errors call parseCommand). */
export function run(n: Netns, text: string, now = 0, stdin?: string): string[] {
  const p = parseCommand(text, stdin);
  if (!p.ok) throw new Error(`parse failed: ${p.errors.map((e) => `${e.column}: ${e.message}`).join('; ')}`);
  return applyCommand(n, p.command, now);
}

/** The first parse error of `text`, as "COLUMN: message". */
export function parseError(text: string, stdin?: string): string {
  const p = parseCommand(text, stdin);
  if (p.ok) throw new Error(`expected a parse error for ${text}`);
  return `${p.errors[0].column}: ${p.errors[0].message}`;
}
