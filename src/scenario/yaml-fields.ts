// Typed reads of YAML nodes. Each read either returns the value or reports why not and returns undefined,
// so one bad field never stops the loader from finding the next.

import type { Node } from 'yaml';
import { Scalar, isMap, isNode, isPair, isScalar, isSeq } from 'yaml';
import { didYouMean, isValidIfname, utf8Length } from '../kernel/syntax-words.js';
import { parseIpv4 } from '../wire/ipv4-addr.js';
import type { ScenarioSource } from './yaml-source.js';

/** A map's fields by name: the key node (for "unknown field") and the value node (for bad values). */
export interface Fields {
  /** The map itself, where "missing field" is reported. */
  node: Node;
  keys: ReadonlyMap<string, Scalar>;
  values: ReadonlyMap<string, Node>;
}

/** "a string", "a list"... for "expected X, got Y". */
export function describeNode(node: Node | undefined): string {
  if (node === undefined) return 'nothing';
  if (isMap(node)) return 'a map';
  if (isSeq(node)) return 'a list';
  if (isScalar(node)) {
    const v = node.value;
    if (v === null) return 'null';
    if (typeof v === 'string') return `a string ("${v.length > 30 ? `${v.slice(0, 30)}...` : v}")`;
    if (typeof v === 'number') return `a number (${v})`;
    if (typeof v === 'boolean') return `a boolean (${v})`;
  }
  return 'something else';
}

/**
 * Reads a map, reporting fields not in `allowed` (at the key, with a suggestion) and `required` fields
 * that are missing (at the map). `what` names the object for messages, e.g. `link "eth0"`.
 */
export function readFields(
  src: ScenarioSource,
  node: Node | undefined,
  what: string,
  allowed: readonly string[],
  required: readonly string[] = [],
): Fields | undefined {
  if (!isMap(node)) {
    src.error(node, `${what}: expected a map, got ${describeNode(node)}`);
    return undefined;
  }
  const keys = new Map<string, Scalar>();
  const values = new Map<string, Node>();
  // Fields whose alias points nowhere: already reported, neither read nor "missing".
  const broken = new Set<string>();
  for (const pair of node.items) {
    const key = pair.key as Node | null;
    if (!isScalar(key) || typeof key.value !== 'string') {
      src.error(key, `${what}: field names must be strings, got ${describeNode(key ?? undefined)}`, node);
      continue;
    }
    const name = key.value;
    if (!allowed.includes(name)) {
      src.error(key, `unknown field "${name}" in ${what}${didYouMean(name, allowed)}`);
      continue;
    }
    // `field:` with nothing after it is a null scalar placed after the colon, kept for "got null".
    const value = pair.value === null ? nullAfter(key) : src.resolve(pair.value as Node);
    if (value === undefined) {
      broken.add(name);
      continue;
    }
    keys.set(name, key);
    values.set(name, value);
  }
  for (const name of required) {
    if (!keys.has(name) && !broken.has(name)) src.error(node, `${what}: missing required field "${name}"`);
  }
  return { node, keys, values };
}

/** A null value placed right after `key`, for a pair written without one (`? key`). */
function nullAfter(key: Scalar): Scalar {
  const s = new Scalar(null);
  const end = key.range?.[1] ?? 0;
  s.range = [end, end, end];
  return s;
}

/** Reads a list; its items come back with aliases resolved. */
export function readList(src: ScenarioSource, node: Node | undefined, what: string): Node[] | undefined {
  if (!isSeq(node)) {
    src.error(node, `${what}: expected a list, got ${describeNode(node)}`);
    return undefined;
  }
  const items: Node[] = [];
  node.items.forEach((item, i) => {
    // `!!omap` and `!!pairs` are lists whose items are key: value pairs, nodes without a place of their own.
    if (isPair(item)) {
      const at = (isNode(item.key) ? item.key : isNode(item.value) ? item.value : node) as Node;
      src.error(at, `${what}[${i}]: expected a list item, got a key: value pair (${node.tag?.replace('tag:yaml.org,2002:', '!!') ?? 'a map entry'}): write a plain list`, node);
      return;
    }
    const resolved = src.resolve(item as Node | null);
    if (resolved !== undefined) items.push(resolved);
  });
  return items;
}

export function readString(src: ScenarioSource, node: Node | undefined, what: string): string | undefined {
  if (isScalar(node) && typeof node.value === 'string') return node.value;
  src.error(node, `${what}: expected a string, got ${describeNode(node)}`);
  return undefined;
}

/** A string that must not be empty or blank (names). */
export function readName(src: ScenarioSource, node: Node | undefined, what: string): string | undefined {
  const s = readString(src, node, what);
  if (s !== undefined && s.trim() === '') {
    src.error(node, `${what}: must not be empty`);
    return undefined;
  }
  return s;
}

export function readInt(src: ScenarioSource, node: Node | undefined, what: string, min: number, max: number): number | undefined {
  if (!isScalar(node) || typeof node.value !== 'number' || !Number.isInteger(node.value)) {
    src.error(node, `${what}: expected an integer, got ${describeNode(node)}`);
    return undefined;
  }
  if (node.value < min || node.value > max) {
    src.error(node, `${what}: ${node.value} is out of range (${min}..${max})`);
    return undefined;
  }
  return node.value;
}

export function readBool(src: ScenarioSource, node: Node | undefined, what: string): boolean | undefined {
  if (isScalar(node) && typeof node.value === 'boolean') return node.value;
  src.error(node, `${what}: expected true or false, got ${describeNode(node)}`);
  return undefined;
}

/** One of a fixed set of strings, with a suggestion when the value is close to one. */
export function readEnum<T extends string>(src: ScenarioSource, node: Node | undefined, what: string, choices: readonly T[]): T | undefined {
  const s = readString(src, node, what);
  if (s === undefined) return undefined;
  if ((choices as readonly string[]).includes(s)) return s as T;
  src.error(node, `${what}: "${s}" is not one of ${choices.join(', ')}${didYouMean(s, choices)}`);
  return undefined;
}

/** A list of strings, each item read separately so every bad one is reported. */
export function readStringList(src: ScenarioSource, node: Node | undefined, what: string): { text: string; node: Node }[] {
  const items = readList(src, node, what);
  if (items === undefined) return [];
  const out: { text: string; node: Node }[] = [];
  items.forEach((item, i) => {
    const text = readString(src, item, `${what}[${i}]`);
    if (text !== undefined) out.push({ text, node: item });
  });
  return out;
}

export function readIfname(src: ScenarioSource, node: Node | undefined, what: string): string | undefined {
  const name = readString(src, node, what);
  if (name === undefined) return undefined;
  if (isValidIfname(name)) return name;
  src.error(node, `${what}: "${name}" is not a valid device name (1..15 bytes, no '/', ':' or blanks)${bytesNote(name)}`);
  return undefined;
}

/** Says so when a name's bytes, not its characters, make it too long. */
function bytesNote(name: string): string {
  const bytes = utf8Length(name);
  return name.length < 16 && bytes >= 16 ? `: it is ${name.length} characters but ${bytes} bytes in UTF-8, and IFNAMSIZ counts bytes` : '';
}

export function readIpv4(src: ScenarioSource, node: Node | undefined, what: string): number | undefined {
  const text = readString(src, node, what);
  if (text === undefined) return undefined;
  const addr = parseIpv4(text);
  if (addr === undefined) src.error(node, `${what}: "${text}" is not an IPv4 address`);
  return addr;
}

/** Drops fields whose value did not read (left `undefined`), in nested maps too, so specs hold only values. */
export function withoutUndefined<T extends object>(obj: T): T {
  for (const [k, val] of Object.entries(obj)) {
    if (val === undefined) delete (obj as Record<string, unknown>)[k];
    else if (typeof val === 'object' && val !== null && !Array.isArray(val)) withoutUndefined(val as object);
  }
  return obj;
}
