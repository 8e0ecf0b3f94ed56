// The generated names Kubernetes controllers give pods, made deterministic.
//
// Real controllers: a Deployment's ReplicaSet is `<deployment>-<pod-template-hash>`, where the hash is
// `rand.SafeEncodeString(fmt.Sprint(fnv32a(template)))` (pkg/controller/controller_utils.go ComputeHash), and
// its pods are `<replicaset>-<5 chars>` from the API server's generateName (`utilrand.String(5)` over the
// alphabet "bcdfghjklmnpqrstvwxz2456789"). packetwalk keeps the shapes and alphabets but derives both from
// stable inputs: the hash is fnv32a over the template's canonical JSON (keys sorted), encoded the same way;
// the 5-char suffix comes from a xorshift32 stream seeded with fnv32a("<owner>/<index>"). The same manifest
// gives the same names on every run; the names differ from a real cluster's, as a real cluster's differ
// from one another.

/** k8s.io/apimachinery/pkg/util/rand: no vowels, no 0/1/3 that read like letters. */
export const SAFE_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

/** FNV-1a, 32 bits, over the UTF-16 code units' low bytes of an ASCII-heavy text (hash/fnv New32a). */
export function fnv32a(text: string): number {
  let h = 0x811c9dc5;
  const bytes = new TextEncoder().encode(text);
  for (const b of bytes) {
    h ^= b;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/** rand.SafeEncodeString: each character of `s` mapped through the alphabet by its code. */
export function safeEncode(s: string): string {
  let out = '';
  for (let i = 0; i < s.length; i++) out += SAFE_ALPHABET[s.charCodeAt(i) % SAFE_ALPHABET.length];
  return out;
}

/** JSON with object keys sorted at every level, so equal templates hash equally. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const keys = Object.keys(value).filter((k) => (value as Record<string, unknown>)[k] !== undefined).sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** The `pod-template-hash` label value of a template. */
export function podTemplateHash(template: unknown): string {
  return safeEncode(String(fnv32a(canonicalJson(template))));
}

/** The 5-character generateName suffix of the `index`-th pod of `owner`. */
export function podSuffix(owner: string, index: number): string {
  let x = fnv32a(`${owner}/${index}`) || 1;
  let out = '';
  for (let i = 0; i < 5; i++) {
    // xorshift32
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    out += SAFE_ALPHABET[x % SAFE_ALPHABET.length];
  }
  return out;
}

/** 8 hex digits from a text, for names real components draw at random (veth names, MACs). */
export function hex8(text: string): string {
  return fnv32a(text).toString(16).padStart(8, '0');
}
