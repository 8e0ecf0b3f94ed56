// One namespace's iptables state as components build it: `iptables -N`, `-A` (append) and `-I` (insert at
// the top), table by table, rendered as iptables-restore input. Each component (flannel, portmap, Docker,
// later kube-proxy) applies its operations in the order it would run, so the rule order is the one the
// real start order gives (reference/overlay-cni-docker.md §5, "Rule-order semantics").

import { BUILTIN, PreparedRestore, type RestoreOp, type SharedLayer } from './prepared-restore.js';

export { PreparedRestore } from './prepared-restore.js';

const TABLE_ORDER = ['raw', 'mangle', 'nat', 'filter'];

interface TableState {
  policies: Map<string, string>;
  /** User chains in creation order; iptables-save lists them sorted, which rendering does. */
  chains: Set<string>;
  rules: Map<string, string[]>;
  /**
   * Chains a shared restore text created whole (applyPrepared with `share`), held by reference instead of
   * copied: disjoint from `chains` and `policies`. The first change to one of them copies the layer in.
   */
  layer?: SharedLayer;
}

export class IptablesText {
  private readonly tables = new Map<string, TableState>();

  private table(name: string): TableState {
    let t = this.tables.get(name);
    if (t === undefined) {
      t = { policies: new Map((BUILTIN[name] ?? []).map((c) => [c, 'ACCEPT'])), chains: new Set(), rules: new Map() };
      this.tables.set(name, t);
    }
    return t;
  }

  /** Copies a table's shared layer into its own chains, before a change to one of the layer's chains. */
  private own(t: TableState, chain: string): void {
    const layer = t.layer;
    if (layer === undefined || !layer.has(chain)) return;
    t.layer = undefined;
    for (const c of layer.chains) t.chains.add(c);
    for (const [c, list] of layer.rules) t.rules.set(c, list.slice());
  }

  /** `iptables -t T -N CHAIN` (a no-op when it exists, like `iptables -N` guarded by `-L`). */
  chain(table: string, chain: string): this {
    const t = this.table(table);
    if (!t.policies.has(chain) && t.layer?.has(chain) !== true) t.chains.add(chain);
    return this;
  }

  /**
   * A `:CHAIN` line of iptables-restore --noflush on a user chain: created, or flushed when it exists
   * (iptables 1.8.9 nf_tables, checked in a scratch namespace; test/kernel/cluster-patch-chain.test.ts).
   */
  declare(table: string, chain: string): this {
    const t = this.table(table);
    if (t.policies.has(chain)) return this;
    this.own(t, chain);
    if (t.chains.has(chain)) t.rules.delete(chain);
    else t.chains.add(chain);
    return this;
  }

  policy(table: string, chain: string, policy: 'ACCEPT' | 'DROP'): this {
    const t = this.table(table);
    this.own(t, chain);
    t.policies.set(chain, policy);
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
    const t = this.tables.get(table);
    if (t?.layer?.has(chain) === true) return t.layer.rules.get(chain)?.includes(rest) ?? false;
    return t?.rules.get(chain)?.includes(rest) ?? false;
  }

  isEmpty(): boolean {
    return this.tables.size === 0;
  }

  private rulesOf(table: string, chain: string): string[] {
    this.own(this.table(table), chain);
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
   * theirs): `*table`, `:CHAIN POLICY [..]` (a user chain is created or flushed, a built-in one gets the
   * policy), `-A`/`-I` lines, `COMMIT`. Returns the lines it could not take.
   */
  applyRestore(text: string): string[] {
    return this.applyPrepared(new PreparedRestore(text));
  }

  /**
   * applyRestore() of a text parsed once. With `share`, the user chains the text creates that this
   * namespace does not have yet are held by reference (one layer per table), not copied: the rendered
   * text is the same, and namespaces that take the same PreparedRestore share its chains and their text.
   */
  applyPrepared(p: PreparedRestore, opts: { share?: boolean } = {}): string[] {
    const rejected = p.rejected.slice();
    for (const [name, pt] of p.tables) {
      const t = this.table(name);
      if (opts.share === true && t.layer === undefined) {
        const { layer, own } = pt.split();
        if (!this.holdsAny(t, layer)) {
          if (layer.chains.size > 0) t.layer = layer;
          for (const o of own) if (!this.apply(name, o) && o.op === 'I') rejected.push(o.raw);
          continue;
        }
      }
      for (const o of pt.ops) if (!this.apply(name, o) && o.op === 'I') rejected.push(o.raw);
    }
    return rejected;
  }

  private holdsAny(t: TableState, layer: SharedLayer): boolean {
    for (const c of t.chains) if (layer.has(c)) return true;
    for (const c of t.policies.keys()) if (layer.has(c)) return true;
    return false;
  }

  /** One operation; false when it is refused (a rule number past the end of the chain). */
  private apply(table: string, o: RestoreOp): boolean {
    if (o.op === 'chain') this.declare(table, o.chain);
    else if (o.op === 'policy') this.policy(table, o.chain, o.policy);
    else if (o.op === 'A') this.append(table, o.chain, o.rest);
    else if (o.at === undefined) this.insert(table, o.chain, o.rest);
    else {
      const list = this.rulesOf(table, o.chain);
      if (o.at < 1 || o.at > list.length + 1) return false;
      list.splice(o.at - 1, 0, o.rest);
    }
    return true;
  }

  /**
   * iptables-restore input, tables in iptables-save's order, user chains sorted as it lists them. Built by
   * concatenation, so the runs of a shared layer's chains are slices of its one rendered text.
   */
  render(): string {
    let out = '';
    for (const name of [...TABLE_ORDER, ...[...this.tables.keys()].filter((k) => !TABLE_ORDER.includes(k))]) {
      const t = this.tables.get(name);
      if (t === undefined) continue;
      let head = `*${name}\n`;
      for (const [c, p] of t.policies) head += `:${c} ${p} [0:0]\n`;
      const users = [...t.chains].sort();
      const layer = t.layer;
      // Where each own chain goes among the layer's (both sorted, disjoint).
      const at = layer === undefined ? [] : users.map((c) => layer.position(c));
      const end = layer === undefined ? 0 : layer.sorted.length;
      let decl = '';
      let prev = 0;
      users.forEach((c, i) => {
        if (layer !== undefined && at[i] > prev) decl += layer.declarations(prev, at[i]);
        prev = at[i] ?? 0;
        decl += `:${c} - [0:0]\n`;
      });
      if (layer !== undefined && end > prev) decl += layer.declarations(prev, end);
      let body = '';
      for (const c of t.policies.keys()) body += ownRules(c, t.rules.get(c));
      prev = 0;
      users.forEach((c, i) => {
        if (layer !== undefined && at[i] > prev) body += layer.ruleLines(prev, at[i]);
        prev = at[i] ?? 0;
        body += ownRules(c, t.rules.get(c));
      });
      if (layer !== undefined && end > prev) body += layer.ruleLines(prev, end);
      out += head + decl + body + 'COMMIT\n';
    }
    return out;
  }
}

function ownRules(chain: string, rules: readonly string[] | undefined): string {
  let s = '';
  for (const r of rules ?? []) s += `-A ${chain} ${r}\n`;
  return s;
}
