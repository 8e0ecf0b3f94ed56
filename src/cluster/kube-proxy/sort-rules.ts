// proxier_test.go sortIPTablesRules(): the canonical order kube-proxy's tests compare dumps in. Tables by name;
// chains KUBE-NODEPORTS, KUBE-SERVICES, other KUBE-* by name, then the rest by name; the rules of KUBE-NODEPORTS
// and KUBE-SERVICES stable-sorted by Service name (nat KUBE-SERVICES keeps its last rule last); chain lines,
// then rules chain by chain, then `-X` lines.

interface DumpChain {
  name: string;
  line: string;
  rules: string[];
  deleted: boolean;
}

interface DumpTable {
  name: string;
  chains: DumpChain[];
}

/** parse.go ParseIPTablesDump(), enough of it for restore input. */
function parseDump(text: string): DumpTable[] {
  const tables: DumpTable[] = [];
  let t: DumpTable | null = null;
  const chainOf = (name: string): DumpChain => {
    let c = t!.chains.find((x) => x.name === name);
    if (!c) t!.chains.push((c = { name, line: `:${name} - [0:0]`, rules: [], deleted: false }));
    return c;
  };
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    if (line.startsWith('*')) tables.push((t = { name: line.slice(1), chains: [] }));
    else if (!t || line === 'COMMIT') continue;
    else if (line.startsWith(':')) chainOf(line.slice(1).split(' ')[0]).line = line;
    else if (line.startsWith('-A ')) chainOf(line.split(' ')[1]).rules.push(line);
    else if (line.startsWith('-X ')) chainOf(line.split(' ')[1]).deleted = true;
  }
  return tables;
}

/** The rule's comment up to the first space or ':' (getServiceName()). */
function serviceName(rule: string): string {
  const m = /--comment (?:"([^"]*)"|(\S+))/.exec(rule);
  const c = m ? m[1] ?? m[2] : '';
  const end = c.search(/[ :]/);
  return end < 0 ? c : c.slice(0, end);
}

function rank(name: string): number {
  if (name === 'KUBE-NODEPORTS') return 0;
  if (name === 'KUBE-SERVICES') return 1;
  return name.startsWith('KUBE-') ? 2 : 3;
}

const byName = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

function sortByService(rules: string[]): string[] {
  return rules.map((r, i) => ({ r, i, k: serviceName(r) })).sort((a, b) => byName(a.k, b.k) || a.i - b.i).map((x) => x.r);
}

/** sortIPTablesRules(): `text` in the order kube-proxy's expected dumps are written. */
export function sortIptablesRules(text: string): string {
  const out: string[] = [];
  for (const t of parseDump(text).sort((a, b) => byName(a.name, b.name))) {
    t.chains.sort((a, b) => rank(a.name) - rank(b.name) || byName(a.name, b.name));
    for (const c of t.chains) {
      if (c.name === 'KUBE-NODEPORTS') c.rules = sortByService(c.rules);
      if (c.name === 'KUBE-SERVICES') {
        if (t.name === 'nat' && c.rules.length > 0) c.rules = [...sortByService(c.rules.slice(0, -1)), c.rules[c.rules.length - 1]];
        else c.rules = sortByService(c.rules);
      }
    }
    out.push(`*${t.name}`);
    for (const c of t.chains) out.push(c.line);
    for (const c of t.chains) for (const r of c.rules) out.push(r);
    for (const c of t.chains) if (c.deleted) out.push(`-X ${c.name}`);
    out.push('COMMIT');
  }
  return `${out.join('\n')}\n`;
}
