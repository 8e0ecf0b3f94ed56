// A replica of kube-proxy's own test tracer (proxier_test.go tracePacket(), reference: parse.go ParseRule()),
// to check our rendered text for the flows our rule engine cannot trace (IPv6, SCTP ports). It walks nat
// KUBE-SERVICES (what PREROUTING jumps to) and then filter KUBE-SERVICES, KUBE-EXTERNAL-SERVICES,
// KUBE-NODEPORTS and KUBE-PROXY-FIREWALL; rules with --rcheck, --mark or --ctstate never match; a jump with
// --probability does not end the walk, so every endpoint is collected.

import { cidrContains, parseCidrSloppy, parseIpSloppy } from '../../src/cluster/kube-proxy/index.js';

interface Value {
  negated: boolean;
  value: string;
}

interface ParsedRule {
  raw: string;
  chain: string;
  fields: Map<string, Value>;
}

const VALUED = new Set(['-A', '--comment', '-p', '-s', '--src-type', '--sport', '-d', '--dst-type', '--dport', '--match-set', '-j', '--probability', '--to-destination', '--mark', '--ctstate', '--name', '--seconds', '--mode']);
const FLAGS = new Set(['--random-fully', '--rcheck', '--set', '--reap']);

function parseRule(raw: string): ParsedRule {
  const words = [...raw.matchAll(/(?:^|\s)("[^"]*"|[^"]\S*)/g)].map((m) => m[1].replace(/^"|"$/g, ''));
  const fields = new Map<string, Value>();
  let negated = false;
  for (let i = 0; i < words.length; i++) {
    const w = words[i];
    if (w === '!') {
      negated = true;
      continue;
    }
    if (w === '-m') i++;
    else if (VALUED.has(w)) fields.set(w, { negated, value: words[++i] ?? '' });
    else if (FLAGS.has(w)) fields.set(w, { negated, value: 'true' });
    negated = false;
  }
  return { raw, chain: fields.get('-A')?.value ?? '', fields };
}

export function parseTables(text: string): Map<string, ParsedRule[]> {
  const out = new Map<string, ParsedRule[]>();
  let table = '';
  for (const line of text.split('\n')) {
    if (line.startsWith('*')) table = line.slice(1);
    else if (line.startsWith('-A ')) {
      const r = parseRule(line);
      const key = `${table} ${r.chain}`;
      if (!out.has(key)) out.set(key, []);
      out.get(key)!.push(r);
    }
  }
  return out;
}

export interface UpstreamFlow {
  sourceIP: string;
  protocol: string;
  destIP: string;
  destPort: number;
}

/** tracePacket(): output as upstream joins it, and the masquerade flag. */
export function upstreamTrace(rules: Map<string, ParsedRule[]>, f: UpstreamFlow, nodeIPs: readonly string[]): { output: string; masq: boolean } {
  const local = new Set(['127.0.0.1', '::1', ...nodeIPs]);
  const outputs: string[] = [];
  let masq = false;
  let destIP = f.destIP;
  const addrMatches = (v: Value | undefined, ip: string): boolean => {
    if (!v) return true;
    let hit: boolean;
    if (v.value.includes('/')) {
      const c = parseCidrSloppy(v.value);
      const a = parseIpSloppy(ip);
      hit = c !== undefined && a !== undefined && cidrContains(c, a);
    } else hit = v.value === ip;
    return hit !== v.negated;
  };
  const eq = (v: Value | undefined, x: string): boolean => !v || (v.value === x) !== v.negated;
  const matches = (r: ParsedRule): boolean => {
    const g = (k: string): Value | undefined => r.fields.get(k);
    if (g('--rcheck') || g('--mark') || g('--ctstate')) return false;
    return (
      addrMatches(g('-s'), f.sourceIP) &&
      eq(g('--src-type'), local.has(f.sourceIP) ? 'LOCAL' : 'not-matched') &&
      eq(g('-p'), f.protocol) &&
      addrMatches(g('-d'), destIP) &&
      eq(g('--dst-type'), local.has(destIP) ? 'LOCAL' : 'not-matched') &&
      eq(g('--dport'), String(f.destPort))
    );
  };
  const run = (table: string, chain: string, depth = 0): boolean => {
    if (depth > 50) return false;
    for (const r of rules.get(`${table} ${chain}`) ?? []) {
      const j = r.fields.get('-j')?.value;
      if (j === undefined || !matches(r)) continue;
      if (j === 'KUBE-MARK-MASQ') masq = true;
      else if (j === 'ACCEPT' || j === 'REJECT' || j === 'DROP') {
        outputs.push(j);
        return true;
      } else if (j === 'DNAT') {
        outputs.push(r.fields.get('--to-destination')?.value ?? '');
        return true;
      } else if (run(table, j, depth + 1) && !r.fields.has('--probability')) return true;
    }
    return false;
  };
  run('nat', 'KUBE-SERVICES');
  if (outputs.length) destIP = outputs[0].split(':')[0];
  for (const c of ['KUBE-SERVICES', 'KUBE-EXTERNAL-SERVICES', 'KUBE-NODEPORTS', 'KUBE-PROXY-FIREWALL']) run('filter', c);
  return { output: outputs.join(', '), masq };
}
