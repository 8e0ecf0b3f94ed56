// What renderSync() keeps from one sync to the next of the same proxier, so that a sync where few Services
// changed costs little more than their lines: the segments of the last sync (one per Service port, in Service
// order), the nat chains they declare (counted, updated by the segments that differ from the last sync's), the
// text of runs of consecutive segments (joined again only when a segment of the run changed), and the endpoint
// total (largeClusterMode). Only a cache: the text and the chains are what a fresh render gives.
//
// A sync may say which Services can differ from the last one (`touched`: those whose Service or endpoints
// changed since the last render, as the change trackers report them); with the same Service list, configuration
// and mode, only those and the Services whose own chains the last or this partial sync writes are rendered again.

import type { EndpointInfo } from './endpoints.js';
import type { ServiceSegment } from './render.js';
import type { ServicePortInfo } from './service-port.js';
import type { ProxierConfig } from './types.js';

/** Segments per run of text: a changed Service rebuilds one run. */
const RUN = 64;

export type Part = 'filterRules' | 'natChains' | 'natRules';

type RunText = Partial<Record<Part, string>>;

/** A run RenderMemo.write() left as its segments' texts: out[from..to) in the array it wrote to. */
export interface UnjoinedRun {
  part: Part;
  run: number;
  from: number;
  to: number;
}

/** What the last render was made of, to tell which Services the next one must look at. */
interface Rendered {
  services: readonly ServicePortInfo[];
  config: ProxierConfig;
  large: boolean;
  /** The last sync's changedServices (null: a full sync, every Service's chains written). */
  changed: ReadonlySet<string> | null;
}

export class RenderMemo {
  /** The segments of the last sync, in Service order. */
  #segs: ServiceSegment[] = [];
  /**
   * How many of those segments declare each nat chain; null until declares() is first asked (a first full sync
   * without the stale-chain clean-up never asks), then kept up to date.
   */
  #declared: Map<string, number> | null = null;
  /** Text per run of RUN segments; undefined: to join again. */
  #runs: (RunText | undefined)[] = [];
  #natRuleLines = 0;
  #rendered: Rendered | null = null;
  /** Positions of each Service's ports (`ns/name` -> indexes) in #indexed. */
  #indexed: readonly ServicePortInfo[] | null = null;
  #positions = new Map<string, number[]>();
  /** Endpoint counts per Service port as of the last count, for the list #counted, and their sum. */
  #counted: readonly ServicePortInfo[] | null = null;
  #counts: number[] = [];
  /** The endpoint list of each Service port as of the last count (what renderSync() renders them with). */
  #lists: (readonly EndpointInfo[] | undefined)[] = [];
  #total = 0;

  /** Makes `segs` (this sync's segments, in Service order) the current ones. */
  update(segs: readonly ServiceSegment[]): void {
    const n = Math.max(this.#segs.length, segs.length);
    for (let i = 0; i < n; i++) this.#put(i, segs[i]);
    this.#segs.length = segs.length;
    this.#runs.length = Math.ceil(segs.length / RUN);
  }

  /** Makes `seg` the current segment at position `i` (the Service list is unchanged). */
  replace(i: number, seg: ServiceSegment): void {
    this.#put(i, seg);
  }

  #put(i: number, b: ServiceSegment | undefined): void {
    const a = this.#segs[i];
    if (a === b) return;
    const declared = this.#declared;
    if (a !== undefined) {
      if (declared !== null) for (const c of a.active) count(declared, c, -1);
      this.#natRuleLines -= a.natRuleCount;
    }
    if (b !== undefined) {
      if (declared !== null) for (const c of b.active) count(declared, c, 1);
      this.#natRuleLines += b.natRuleCount;
      this.#segs[i] = b;
    }
    this.#runs[Math.floor(i / RUN)] = undefined;
  }

  /** Whether a current segment declares `chain`. */
  declares(chain: string): boolean {
    let declared = this.#declared;
    if (declared === null) {
      declared = this.#declared = new Map();
      for (const seg of this.#segs) for (const c of seg.active) count(declared, c, 1);
    }
    return declared.has(chain);
  }

  /** The nat rule lines of the current segments. */
  natRuleLines(): number {
    return this.#natRuleLines;
  }

  /** The current segments' lines of `part`, joined by newlines, one string per run (empty runs left out). */
  texts(part: Part): string[] {
    const segs = this.#segs;
    const out: string[] = [];
    for (let r = 0; r * RUN < segs.length; r++) {
      const run = (this.#runs[r] ??= {});
      const text = (run[part] ??= joinPart(segs, r * RUN, Math.min(segs.length, (r + 1) * RUN), part));
      if (text !== '') out.push(text);
    }
    return out;
  }

  /**
   * Writes the current segments' lines of `part` to `out`, to be joined by newlines: a run already joined as its
   * one string; a run not joined yet as the texts of its segments (empty ones left out), noted in `later` so that
   * adopt() can take the run's text out of the joined text rather than join it on its own.
   */
  write(part: Part, out: string[], later: UnjoinedRun[]): void {
    const segs = this.#segs;
    for (let r = 0; r * RUN < segs.length; r++) {
      const run = (this.#runs[r] ??= {});
      const text = run[part];
      if (text !== undefined) {
        if (text !== '') out.push(text);
        continue;
      }
      const from = out.length;
      const to = Math.min(segs.length, (r + 1) * RUN);
      for (let i = r * RUN; i < to; i++) {
        const t = segs[i][part];
        if (t !== '') out.push(t);
      }
      if (out.length === from) run[part] = '';
      else later.push({ part, run: r, from, to: out.length });
    }
  }

  /** `text` is `out` (as write() left it) joined by newlines: the runs noted in `later` get their text from it. */
  adopt(text: string, out: readonly string[], later: readonly UnjoinedRun[]): void {
    let pos = 0;
    let k = 0;
    let start = 0;
    for (let i = 0; i < out.length && k < later.length; i++) {
      const u = later[k];
      if (i === u.from) start = pos;
      const end = pos + out[i].length;
      if (i === u.to - 1) {
        // A slice shares the joined text's characters (V8 makes a sliced string): no copy of them.
        (this.#runs[u.run] ??= {})[u.part] = u.to - u.from === 1 ? out[i] : text.slice(start, end);
        k++;
      }
      pos = end + 1;
    }
  }

  /**
   * The runs' texts of `part`, from `text`, where segment i's text (of the current segments) is at
   * offset + starts[i] .. offset + ends[i] (start -1: none), each segment's after the one before and a newline.
   */
  adoptPlaces(part: Part, text: string, offset: number, starts: readonly number[], ends: readonly number[], count: number): void {
    for (let r = 0; r * RUN < count; r++) {
      const to = Math.min(count, (r + 1) * RUN);
      let first = -1;
      let last = -1;
      for (let i = r * RUN; i < to; i++) {
        if (starts[i] < 0) continue;
        if (first < 0) first = i;
        last = i;
      }
      (this.#runs[r] ??= {})[part] = first < 0 ? '' : text.slice(offset + starts[first], offset + ends[last]);
    }
  }

  /**
   * The endpoints of `services` in `endpoints` (largeClusterMode compares it with the threshold). `touched`: the
   * `ns/name` of every Service whose endpoints may have changed since the last call with the same list; absent:
   * counted again.
   */
  endpointTotal(services: readonly ServicePortInfo[], endpoints: ReadonlyMap<string, readonly EndpointInfo[]>, touched?: ReadonlySet<string>): number {
    // With most Services touched, counting them all again is cheaper than finding the touched ones.
    if (touched !== undefined && services === this.#counted && touched.size * 4 < services.length) {
      for (const nn of touched) {
        for (const i of this.#positionsOf(services, nn)) {
          const list = endpoints.get(services[i].key);
          const k = list?.length ?? 0;
          this.#total += k - this.#counts[i];
          this.#counts[i] = k;
          this.#lists[i] = list;
        }
      }
      return this.#total;
    }
    const counts: number[] = new Array<number>(services.length);
    const lists: (readonly EndpointInfo[] | undefined)[] = new Array<readonly EndpointInfo[] | undefined>(services.length);
    let total = 0;
    for (let i = 0; i < services.length; i++) {
      const list = endpoints.get(services[i].key);
      lists[i] = list;
      counts[i] = list?.length ?? 0;
      total += counts[i];
    }
    this.#counted = services;
    this.#counts = counts;
    this.#lists = lists;
    this.#total = total;
    return total;
  }

  /**
   * The endpoint lists of `services` (by position) as endpointTotal() last found them, when it last counted that
   * very list: valid right after that count (the lists renderSync() renders, as the count it takes), else null.
   */
  countedLists(services: readonly ServicePortInfo[]): readonly (readonly EndpointInfo[] | undefined)[] | null {
    return services === this.#counted ? this.#lists : null;
  }

  /**
   * The positions of the Services this render must look at, or null for all of them: only when the last render
   * had the same Service list, configuration and mode, both it and this one are partial syncs, and `touched`
   * says which Services changed since.
   */
  toRender(r: Rendered, touched: ReadonlySet<string> | undefined): number[] | null {
    const last = this.#rendered;
    if (last === null || touched === undefined || r.changed === null || last.changed === null) return null;
    if (last.services !== r.services || last.config !== r.config || last.large !== r.large || this.#segs.length !== r.services.length) return null;
    const names = new Set<string>(touched);
    for (const nn of last.changed) names.add(nn);
    for (const nn of r.changed) names.add(nn);
    const out: number[] = [];
    for (const nn of names) for (const i of this.#positionsOf(r.services, nn)) out.push(i);
    return out;
  }

  /** Records what this render was made of (after its segments are in). */
  rendered(r: Rendered): void {
    this.#rendered = r;
  }

  #positionsOf(services: readonly ServicePortInfo[], nn: string): readonly number[] {
    if (this.#indexed !== services) {
      this.#positions = new Map();
      for (let i = 0; i < services.length; i++) {
        const list = this.#positions.get(services[i].service);
        if (list === undefined) this.#positions.set(services[i].service, [i]);
        else list.push(i);
      }
      this.#indexed = services;
    }
    return this.#positions.get(nn) ?? [];
  }
}

function count(declared: Map<string, number>, chain: string, d: number): void {
  const k = (declared.get(chain) ?? 0) + d;
  if (k === 0) declared.delete(chain);
  else declared.set(chain, k);
}

/** The segments' texts of `part` (each lines joined by newlines, '' for none), joined by newlines. */
function joinPart(segs: readonly ServiceSegment[], from: number, to: number, part: Part): string {
  const texts: string[] = [];
  for (let i = from; i < to; i++) {
    const t = segs[i][part];
    if (t !== '') texts.push(t);
  }
  return texts.join('\n');
}
