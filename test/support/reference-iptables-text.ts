// IptablesText as it was before the shared-layer work (commit e1443a5), kept as the reference the property
// test in src/cluster/iptables-text.test.ts holds the current one to: same render(), has() and rejects.
// Since then a restore text's `:CHAIN` line flushes an existing user chain, as iptables-restore --noflush does.
// One namespace's iptables state as components build it: `iptables -N`, `-A` (append) and `-I` (insert at
// the top), table by table, rendered as iptables-restore input. Each component (flannel, portmap, Docker,
// later kube-proxy) applies its operations in the order it would run, so the rule order is the one the
// real start order gives (reference/overlay-cni-docker.md §5, "Rule-order semantics").

const BUILTIN: Readonly<Record<string, readonly string[]>> = {
  raw: ['PREROUTING', 'OUTPUT'],
  mangle: ['PREROUTING', 'INPUT', 'FORWARD', 'OUTPUT', 'POSTROUTING'],
  nat: ['PREROUTING', 'INPUT', 'OUTPUT', 'POSTROUTING'],
  filter: ['INPUT', 'FORWARD', 'OUTPUT'],
};
const TABLE_ORDER = ['raw', 'mangle', 'nat', 'filter'];

interface TableState {
  policies: Map<string, string>;
  /** User chains in creation order; iptables-save lists them sorted, which rendering does. */
  chains: Set<string>;
  rules: Map<string, string[]>;
}

export class ReferenceIptablesText {
  private readonly tables = new Map<string, TableState>();

  private table(name: string): TableState {
    let t = this.tables.get(name);
    if (t === undefined) {
      t = { policies: new Map((BUILTIN[name] ?? []).map((c) => [c, 'ACCEPT'])), chains: new Set(), rules: new Map() };
      this.tables.set(name, t);
    }
    return t;
  }

  /** `iptables -t T -N CHAIN` (a no-op when it exists, like `iptables -N` guarded by `-L`). */
  chain(table: string, chain: string): this {
    const t = this.table(table);
    if (!t.policies.has(chain)) t.chains.add(chain);
    return this;
  }

  policy(table: string, chain: string, policy: 'ACCEPT' | 'DROP'): this {
    this.table(table).policies.set(chain, policy);
    return this;
  }

  /** `iptables -t T -A CHAIN rest`; `unique` skips a rule already present (AppendUnique). */
  append(table: string, chain: string, rest: string, unique = false): this {
    const list = this.rulesOf(table, chain);
    if (!unique || !list.includes(rest)) list.push(rest);
    return this;
  }

  /** `iptables -t T -I CHAIN 1 rest`. */
  insert(table: string, chain: string, rest: string): this {
    this.rulesOf(table, chain).unshift(rest);
    return this;
  }

  has(table: string, chain: string, rest: string): boolean {
    return this.tables.get(table)?.rules.get(chain)?.includes(rest) ?? false;
  }

  isEmpty(): boolean {
    return this.tables.size === 0;
  }

  private rulesOf(table: string, chain: string): string[] {
    this.chain(table, chain);
    const t = this.table(table);
    let list = t.rules.get(chain);
    if (list === undefined) {
      list = [];
      t.rules.set(chain, list);
    }
    return list;
  }

  /**
   * Applies iptables-restore text written with `--noflush` semantics (the way kube-proxy and flannel feed
   * theirs): `*table`, `:CHAIN POLICY [..]`, `-A`/`-I` lines, `COMMIT`. Returns the lines it could not take.
   */
  applyRestore(text: string): string[] {
    const rejected: string[] = [];
    let table = 'filter';
    for (const raw of text.split('\n')) {
      const line = raw.trim();
      if (line === '' || line.startsWith('#') || line === 'COMMIT') continue;
      if (line.startsWith('*')) {
        table = line.slice(1);
        this.table(table);
        continue;
      }
      let m = /^:(\S+)\s+(\S+)/.exec(line);
      if (m !== null) {
        // iptables-restore --noflush: a built-in chain gets the policy (`-` changes nothing); any other chain
        // is created, or flushed when it exists.
        if ((BUILTIN[table] ?? []).includes(m[1])) {
          if (m[2] === 'ACCEPT' || m[2] === 'DROP') this.policy(table, m[1], m[2]);
        } else if (!this.table(table).policies.has(m[1])) {
          this.chain(table, m[1]);
          this.table(table).rules.delete(m[1]);
        }
        continue;
      }
      m = /^-([AI])\s+(\S+)\s*(.*)$/.exec(line);
      if (m === null) {
        rejected.push(raw);
        continue;
      }
      if (m[1] === 'A') this.append(table, m[2], m[3]);
      else this.insert(table, m[2], m[3]);
    }
    return rejected;
  }

  /** iptables-restore input, tables in iptables-save's order, user chains sorted as it lists them. */
  render(): string {
    const out: string[] = [];
    for (const name of [...TABLE_ORDER, ...[...this.tables.keys()].filter((k) => !TABLE_ORDER.includes(k))]) {
      const t = this.tables.get(name);
      if (t === undefined) continue;
      out.push(`*${name}`);
      for (const [c, p] of t.policies) out.push(`:${c} ${p} [0:0]`);
      const users = [...t.chains].sort();
      for (const c of users) out.push(`:${c} - [0:0]`);
      for (const c of [...t.policies.keys(), ...users]) for (const r of t.rules.get(c) ?? []) out.push(`-A ${c} ${r}`);
      out.push('COMMIT');
    }
    return out.length === 0 ? '' : `${out.join('\n')}\n`;
  }
}
