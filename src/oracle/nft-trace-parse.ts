// The kernel's words for a rule trace: `nft -a monitor` lines (nftables src/trace.c, trace_print_hdr() then
// the packet, rule, policy or return of one NFT_MSG_TRACE), `nft -a list ruleset` for the order of each
// chain's rules by handle, and `iptables-save` for those same rules in the emulator's syntax. Text in, typed
// records out; nothing here runs a command.

/** One NFT_MSG_TRACE as `nft monitor trace` prints it. */
export type NftTraceEvent =
  | { id: string; family: string; table: string; chain: string; kind: 'packet'; packet: string }
  | { id: string; family: string; table: string; chain: string; kind: 'rule'; handle: number | null; text: string; verdict: string }
  | { id: string; family: string; table: string; chain: string; kind: 'policy' | 'return'; verdict: string };

const HEADER = /^trace id ([0-9a-f]+) (\S+) (\S+) (\S+) (.*)$/;
/** `(verdict jump KUBE-SERVICES)`, `(verdict accept)`: the rule's verdict closes the line. */
const RULE_VERDICT = /\s*\(verdict ([^)]*)\)\s*$/;
/** `# handle 6` with `-a`; `unknown rule handle 3` when nft's cache does not hold the rule. */
const HANDLE = /(?:^|\s)(?:# handle|unknown rule handle) (\d+)\s*$/;

/** Linux: nf_tables_trace_notify(); nft prints one line per event. Other lines (ruleset events) are undefined. */
export function parseNftTraceLine(line: string): NftTraceEvent | undefined {
  const m = HEADER.exec(line.trimEnd());
  if (m === null) return undefined;
  const [, id, family, table, chain, rest] = m;
  const base = { id, family, table, chain };
  if (rest.startsWith('packet: ')) return { ...base, kind: 'packet', packet: rest.slice('packet: '.length).trim() };
  if (rest.startsWith('rule ') || rest.startsWith('unknown rule ')) {
    const v = RULE_VERDICT.exec(rest);
    const body = v === null ? rest : rest.slice(0, v.index);
    const h = HANDLE.exec(body);
    const text = (h === null ? body : body.slice(0, h.index)).replace(/^rule /, '').trim();
    return { ...base, kind: 'rule', handle: h === null ? null : Number(h[1]), text, verdict: v === null ? '' : v[1].trim() };
  }
  // NFT_TRACETYPE_POLICY prints `policy VERDICT`, NFT_TRACETYPE_RETURN `verdict VERDICT`; `meta mark ...` may follow.
  const p = /^(policy|verdict) (\S+)/.exec(rest);
  if (p !== null) return { ...base, kind: p[1] === 'policy' ? 'policy' : 'return', verdict: p[2] };
  return undefined;
}

/** Every trace event of a capture, in the order printed. */
export function parseNftTrace(text: string): NftTraceEvent[] {
  return text.split('\n').map(parseNftTraceLine).filter((e): e is NftTraceEvent => e !== undefined);
}

/** `family table` -> chain -> rule handles in the chain's order, from `nft -a list ruleset`. */
export type NftHandleOrder = Map<string, Map<string, number[]>>;

/** Linux: a chain's rules are a list; `nft -a list` prints them in that order, each ending `# handle N`. */
export function parseNftHandles(listing: string): NftHandleOrder {
  const out: NftHandleOrder = new Map();
  let table: Map<string, number[]> | undefined;
  let chain: number[] | undefined;
  for (const raw of listing.split('\n')) {
    const line = raw.trim();
    const t = /^table (\S+) (\S+) \{/.exec(line);
    if (t !== null) {
      table = new Map();
      out.set(`${t[1]} ${t[2]}`, table);
      chain = undefined;
      continue;
    }
    const c = /^chain (\S+) \{/.exec(line);
    if (c !== null && table !== undefined) {
      chain = [];
      table.set(c[1], chain);
      continue;
    }
    if (line === '}') {
      chain = undefined;
      continue;
    }
    const h = /# handle (\d+)$/.exec(line);
    if (h !== null && chain !== undefined && !/^(type|policy) /.test(line)) chain.push(Number(h[1]));
  }
  return out;
}

/** table -> chain -> `-A CHAIN ...` lines in order, from `iptables-save`. */
export type SavedRules = Map<string, Map<string, string[]>>;

export function parseIptablesSaveRules(text: string): SavedRules {
  const out: SavedRules = new Map();
  let table: Map<string, string[]> | undefined;
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line.startsWith('*')) {
      table = new Map();
      out.set(line.slice(1), table);
    } else if (line.startsWith(':') && table !== undefined) {
      const name = line.slice(1).split(/\s+/)[0];
      if (!table.has(name)) table.set(name, []);
    } else if (line.startsWith('-A ') && table !== undefined) {
      const name = line.split(/\s+/)[1];
      const rules = table.get(name) ?? [];
      rules.push(line);
      table.set(name, rules);
    }
  }
  return out;
}

/**
 * The iptables-save text of the rule an nft handle names: iptables-nft keeps one nft rule per iptables rule,
 * in the same order, so the handle's position in its chain is the rule's index. Undefined when unknown.
 */
export function iptablesRuleOf(
  handles: NftHandleOrder, saved: SavedRules, family: string, table: string, chain: string, handle: number,
): string | undefined {
  const i = handles.get(`${family} ${table}`)?.get(chain)?.indexOf(handle);
  if (i === undefined || i < 0) return undefined;
  return saved.get(table)?.get(chain)?.[i];
}
