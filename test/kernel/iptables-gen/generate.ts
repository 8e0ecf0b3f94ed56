// Seeded iptables-restore inputs: a valid ruleset over filter/nat/mangle/raw, and for a share of them one
// realistic mistake (mutate.ts). Jumps only go from a built-in chain, or from a user chain to a later one, and in
// nat only to chains whose NAT targets suit every hook that reaches them, so a valid script stays valid.

import { Rng } from '../../../src/sim/rng.js';
import { mutate, MUTATIONS, type MutationName } from './mutate.js';
import type { ChainClass, RuleSite } from './rule-words.js';
import { ruleWords } from './rule-words.js';
import { GEN_TABLES, HOOKS, Pick, renderScript, type Block, type GenTable, type Script } from './script.js';

export interface GeneratedInput {
  id: number;
  text: string;
  /** `valid`, or the mutation applied. */
  intent: 'valid' | MutationName;
}

const USER_CHAINS = [
  'KUBE-SERVICES', 'KUBE-SVC-ERIFXISQEP7F7OF4', 'KUBE-SEP-6E7XQMQ4RAYOWTTM', 'DOCKER', 'DOCKER-USER', 'fw-in',
  'LOG_DROP', 'a', 'CNI-HOSTPORT-DNAT', 'KUBE-POSTROUTING', 'Zed', 'x_1', 'CILIUM_FORWARD', 'ufw-before-input',
];

/** Which hooks may reach a chain of each class (the nat targets' xt_target.hooks). */
function hookReaches(table: GenTable, hook: string, cls: ChainClass): boolean {
  if (table !== 'nat' || cls === 'any') return true;
  return cls === 'dnat' ? hook === 'PREROUTING' || hook === 'OUTPUT' : hook === 'POSTROUTING';
}

function policyLine(p: Pick, table: GenTable, chain: string): string {
  // Counters on chain lines are ignored without --counters; both spellings are common in saved files.
  const counters = p.chance(0.7) ? '[0:0]' : `[${p.int(0, 9999)}:${p.int(0, 999999)}]`;
  const policy = table !== 'nat' && p.chance(0.25) ? 'DROP' : 'ACCEPT';
  return `:${chain} ${policy} ${counters}`;
}

function generateBlock(p: Pick, table: GenTable): Block {
  const block: Block = { table, chainLines: [], body: [], commit: true, userChains: [] };
  for (const hook of HOOKS[table]) if (p.chance(0.75)) block.chainLines.push(policyLine(p, table, hook));
  const users = p.some(USER_CHAINS, p.one([0, 0, 1, 2, 2, 3, 4]));
  const cls = new Map<string, ChainClass>(users.map((u) => [u, table === 'nat' ? p.one(['any', 'dnat', 'snat'] as const) : 'any']));
  const declaredInBody: string[] = [];
  for (const u of users) {
    if (p.chance(0.7)) block.chainLines.push(`:${u} - [0:0]`);
    else declaredInBody.push(u);
  }
  for (const u of declaredInBody) block.body.push(`-N ${u}`);
  block.userChains = [...users];
  const counts = new Map<string, number>();
  const sites: RuleSite[] = [
    ...HOOKS[table].map((hook) => ({
      table, chain: hook, hook, cls: 'any' as const,
      jumpable: users.filter((u) => hookReaches(table, hook, cls.get(u)!)),
    })),
    ...users.map((u, i) => ({
      table, chain: u, hook: null, cls: cls.get(u)!,
      jumpable: users.slice(i + 1).filter((v) => cls.get(v) === 'any' || cls.get(v) === cls.get(u)),
    })),
  ];
  for (const site of sites) {
    const n = p.one([0, 0, 1, 1, 2, 3, 4]);
    for (let k = 0; k < n; k++) {
      const have = counts.get(site.chain) ?? 0;
      const words = ruleWords(p, site);
      const r = p.rng.next();
      const cmd = r < 0.8 || have === 0 ? `-A ${site.chain}` : r < 0.9 ? `-I ${site.chain}` : `-I ${site.chain} ${p.int(1, have + 1)}`;
      block.body.push(words ? `${cmd} ${words}` : cmd);
      counts.set(site.chain, have + 1);
    }
  }
  // Rules of different chains interleave in real files; keep each chain's own order (it decides -I results).
  block.body = interleave(p, block.body, declaredInBody.length);
  return block;
}

/** Shuffles rules between chains while keeping the `-N` lines first and each chain's rules in order. */
function interleave(p: Pick, body: string[], headerLines: number): string[] {
  const head = body.slice(0, headerLines);
  const queues = new Map<string, string[]>();
  for (const line of body.slice(headerLines)) {
    const chain = line.split(' ')[1];
    if (!queues.has(chain)) queues.set(chain, []);
    queues.get(chain)!.push(line);
  }
  const out = [...head];
  const live = [...queues.values()];
  while (live.length) {
    const i = p.int(0, live.length - 1);
    out.push(live[i].shift()!);
    if (!live[i].length) live.splice(i, 1);
  }
  return out;
}

export function generateScript(p: Pick): Script {
  const tables = p.some(GEN_TABLES, p.one([1, 1, 2, 2, 3, 4]));
  return { blocks: tables.map((t) => generateBlock(p, t)) };
}

/** `count` inputs from `seed`; about `invalidShare` of them carry one deliberate mistake. */
export function generateInputs(seed: number, count: number, invalidShare = 0.25): GeneratedInput[] {
  const p = new Pick(new Rng(seed));
  const out: GeneratedInput[] = [];
  for (let id = 0; id < count; id++) {
    const script = generateScript(p);
    if (p.chance(invalidShare)) {
      const name = p.one(MUTATIONS);
      mutate(p, script, name);
      out.push({ id, text: renderScript(script), intent: name });
    } else {
      out.push({ id, text: renderScript(script), intent: 'valid' });
    }
  }
  return out;
}
