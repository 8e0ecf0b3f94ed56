// A restore text as the components of a cluster write it (`*table`, `:CHAIN`, `-A`, `-I [N]`, `COMMIT`), parsed
// once to be applied to many nodes' IptablesText (every node gets kube-proxy's same text), and the shared layer
// of user chains those nodes hold by reference instead of copying.

/** The built-in chains of each table, in iptables-save order. */
export const BUILTIN: Readonly<Record<string, readonly string[]>> = {
  raw: ['PREROUTING', 'OUTPUT'],
  mangle: ['PREROUTING', 'INPUT', 'FORWARD', 'OUTPUT', 'POSTROUTING'],
  nat: ['PREROUTING', 'INPUT', 'OUTPUT', 'POSTROUTING'],
  filter: ['INPUT', 'FORWARD', 'OUTPUT'],
};

/** One restore operation on one table: `:CHAIN ...` of a user chain, `:BUILTIN ACCEPT|DROP`, `-A`, `-I`. */
export type RestoreOp =
  /** A user chain's declaration: created, or flushed when it exists (--noflush). */
  | { op: 'chain'; chain: string }
  /** A built-in chain's policy (its rules are kept). */
  | { op: 'policy'; chain: string; policy: 'ACCEPT' | 'DROP' }
  | { op: 'A'; chain: string; rest: string }
  /** `-I CHAIN [N] rest`: `at` is the rule number when given (1 = first), `raw` the line, for a refusal. */
  | { op: 'I'; chain: string; rest: string; at?: number; raw: string };

/** A restore text parsed once, to be applied to many namespaces (every node gets kube-proxy's same text). */
export class PreparedRestore {
  /** Tables in the order the text first names them, with their operations in text order. */
  readonly tables = new Map<string, PreparedTable>();
  readonly rejected: string[] = [];

  constructor(text: string) {
    let table = this.tableOf('filter', false);
    for (const raw of text.split('\n')) {
      const line = raw.trim();
      if (line === '' || line.startsWith('#') || line === 'COMMIT') continue;
      if (line.startsWith('*')) {
        table = this.tableOf(line.slice(1), true);
        continue;
      }
      let m = /^:(\S+)\s+(\S+)/.exec(line);
      if (m !== null) {
        // As iptables-restore --noflush takes a chain line (checked with iptables 1.8.9 nf_tables in a scratch
        // namespace): a built-in chain gets the policy (`-` changes nothing) and keeps its rules; any other
        // chain is created, or flushed when it exists, whatever the policy word. `[p:b]` counts only with -c.
        if ((BUILTIN[table.name] ?? []).includes(m[1])) {
          if (m[2] === 'ACCEPT' || m[2] === 'DROP') table.add({ op: 'policy', chain: m[1], policy: m[2] });
        } else table.add({ op: 'chain', chain: m[1] });
        continue;
      }
      m = /^-([AI])\s+(\S+)\s*(.*)$/.exec(line);
      if (m === null) {
        this.rejected.push(raw);
        continue;
      }
      if (m[1] === 'A') table.add({ op: 'A', chain: m[2], rest: m[3] });
      else {
        // `-I CHAIN N rule`: iptables-restore takes a rule number (past the end: "Index of insertion too big").
        const n = /^([0-9]+)(?:\s+|$)(.*)$/.exec(m[3]);
        table.add(n === null ? { op: 'I', chain: m[2], rest: m[3], raw } : { op: 'I', chain: m[2], rest: n[2], at: Number(n[1]), raw });
      }
    }
    for (const [name, t] of this.tables) if (!t.named && t.ops.length === 0) this.tables.delete(name);
  }

  private tableOf(name: string, named: boolean): PreparedTable {
    let t = this.tables.get(name);
    if (t === undefined) {
      t = new PreparedTable(name);
      this.tables.set(name, t);
    }
    if (named) t.named = true;
    return t;
  }
}

/** One table's operations of a PreparedRestore. */
class PreparedTable {
  readonly ops: RestoreOp[] = [];
  /** Named by a `*table` line (the table exists after the restore even with no operation). */
  named = false;
  private shared?: { layer: SharedLayer; own: RestoreOp[] };

  constructor(readonly name: string) {}

  add(op: RestoreOp): void {
    this.ops.push(op);
  }

  /**
   * The user chains the text creates (declared or written to, never given a policy, not built in) as one
   * layer every namespace can hold by reference, and the operations on the other chains, computed once.
   */
  split(): { layer: SharedLayer; own: RestoreOp[] } {
    if (this.shared !== undefined) return this.shared;
    const builtin = new Set(BUILTIN[this.name] ?? []);
    // Chains given a policy, and chains with a numbered insert (which may be refused), stay each namespace's own.
    const policied = new Set<string>();
    for (const o of this.ops) if (o.op === 'policy' || (o.op === 'I' && o.at !== undefined)) policied.add(o.chain);
    const rules = new Map<string, string[]>();
    const created = new Set<string>();
    const own: RestoreOp[] = [];
    for (const o of this.ops) {
      if (builtin.has(o.chain) || policied.has(o.chain)) {
        own.push(o);
        continue;
      }
      created.add(o.chain);
      // A chain declared again is flushed again: the rules the text wrote to it before are gone.
      if (o.op === 'chain') rules.delete(o.chain);
      if (o.op === 'chain' || o.op === 'policy') continue;
      let list = rules.get(o.chain);
      if (list === undefined) {
        list = [];
        rules.set(o.chain, list);
      }
      if (o.op === 'A') list.push(o.rest);
      else list.unshift(o.rest);
    }
    this.shared = { layer: new SharedLayer(created, rules), own };
    return this.shared;
  }
}

/**
 * User chains with their rules, shared by the namespaces that hold them, with their declarations and rules
 * rendered once (sorted, as iptables-save lists them): a namespace's render slices runs of them out of
 * these two strings, so 1,000 nodes with kube-proxy's same 200,000 rules hold one copy of the text.
 */
export class SharedLayer {
  readonly sorted: string[];
  private text?: { decl: string; declAt: number[]; rules: string; rulesAt: number[] };

  constructor(
    readonly chains: ReadonlySet<string>,
    readonly rules: ReadonlyMap<string, readonly string[]>,
  ) {
    this.sorted = [...chains].sort();
  }

  has(chain: string): boolean {
    return this.chains.has(chain);
  }

  /** `:CHAIN - [0:0]` lines of sorted[from..to), each with its newline. */
  declarations(from: number, to: number): string {
    const t = this.rendered();
    return t.decl.slice(t.declAt[from], t.declAt[to]);
  }

  /** `-A CHAIN rule` lines of the chains sorted[from..to), each with its newline. */
  ruleLines(from: number, to: number): string {
    const t = this.rendered();
    return t.rules.slice(t.rulesAt[from], t.rulesAt[to]);
  }

  /** Where `chain` would go in `sorted` (the first index whose chain sorts after it). */
  position(chain: string): number {
    let lo = 0;
    let hi = this.sorted.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.sorted[mid] < chain) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  private rendered(): { decl: string; declAt: number[]; rules: string; rulesAt: number[] } {
    if (this.text !== undefined) return this.text;
    const decl: string[] = [];
    const rules: string[] = [];
    const declAt: number[] = [];
    const rulesAt: number[] = [];
    let d = 0;
    let r = 0;
    for (const c of this.sorted) {
      declAt.push(d);
      rulesAt.push(r);
      const line = `:${c} - [0:0]\n`;
      decl.push(line);
      d += line.length;
      for (const x of this.rules.get(c) ?? []) {
        const l = `-A ${c} ${x}\n`;
        rules.push(l);
        r += l.length;
      }
    }
    declAt.push(d);
    rulesAt.push(r);
    this.text = { decl: decl.join(''), declAt, rules: rules.join(''), rulesAt };
    return this.text;
  }
}
