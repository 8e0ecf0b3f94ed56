import type { MacAddr } from '../../wire/headers.js';
import type { KernelEnv } from './env.js';
import { Netns } from './netns.js';
import type { WorldSpec } from './world-spec.js';

/**
 * All namespaces of one emulated machine room, and the environment (clock, RNG, sink) they share. The World
 * is built once per scenario; each run swaps in its own environment (`useEnv`) and, on a shared World, takes a
 * checkpoint first and rolls back after (world-checkpoint.ts), so no run rebuilds the World.
 */
export class World {
  /** By name, in the order added; written only by addNetns() (namespacesWithNetfilter() follows it). */
  readonly #namespaces = new Map<string, Netns>();
  #env: KernelEnv;
  /** The checkpoint of the run in progress: told before a namespace's state first changes (world-checkpoint.ts). */
  #firstWrite: ((ns: Netns) => void) | null = null;
  /** namespacesWithNetfilter(), made on first use after a namespace is added or one's `nf` is set. */
  #withNetfilter: Netns[] | null = null;

  /** `spec` is what the World was built from, so a run can start again from the same state. */
  constructor(readonly spec: WorldSpec, env: KernelEnv) {
    this.#env = env;
  }

  /** Time, randomness and the sink every namespace reports to: the current run's. */
  get env(): KernelEnv {
    return this.#env;
  }

  /** Gives the World the next run's timers, RNG, sink and `decide`; returns the one it had. */
  useEnv(env: KernelEnv): KernelEnv {
    const old = this.#env;
    this.#env = env;
    return old;
  }

  /**
   * Installs the hook a checkpoint uses to save a namespace on its first change; null removes it. Returns the
   * hook installed before.
   */
  onFirstWrite(hook: ((ns: Netns) => void) | null): ((ns: Netns) => void) | null {
    const old = this.#firstWrite;
    this.#firstWrite = hook;
    return old;
  }

  /** `ns` is about to change during a run: a checkpoint in progress saves it first (once). */
  touch(ns: Netns): void {
    if (this.#firstWrite !== null) this.#firstWrite(ns);
  }

  get name(): string {
    return this.spec.name;
  }

  /** The namespaces by name, in the order added. */
  get namespaces(): ReadonlyMap<string, Netns> {
    return this.#namespaces;
  }

  netns(name: string): Netns | undefined {
    return this.#namespaces.get(name);
  }

  addNetns(name: string): Netns {
    const ns = new Netns(name, this);
    this.#namespaces.set(name, ns);
    this.#withNetfilter = null;
    return ns;
  }

  /**
   * The namespaces that have netfilter state (`nf`), in the order of `namespaces`: what a run reads the
   * conntrack tables of, without visiting the (many more) namespaces without rules.
   */
  namespacesWithNetfilter(): readonly Netns[] {
    let list = this.#withNetfilter;
    if (list === null) {
      list = [];
      for (const ns of this.#namespaces.values()) if (ns.nf !== null) list.push(ns);
      this.#withNetfilter = list;
    }
    return list;
  }

  /** A namespace's `nf` was set: namespacesWithNetfilter() is made again. */
  netfilterChanged(): void {
    this.#withNetfilter = null;
  }

  /**
   * A locally administered MAC derived from the device's place (FNV-1a of "netns/dev"): stable across runs
   * and edits elsewhere in the scenario, where Linux would pick a random one.
   */
  macFor(netns: string, dev: string): MacAddr {
    let h = 0x811c9dc5;
    let h2 = 0x01000193;
    for (const ch of `${netns}/${dev}`) {
      h = Math.imul(h ^ ch.charCodeAt(0), 0x01000193) >>> 0;
      h2 = Math.imul(h2 ^ ch.charCodeAt(0), 0x811c9dc5) >>> 0;
    }
    const bytes = [0x02, (h >>> 24) & 0xff, (h >>> 16) & 0xff, (h >>> 8) & 0xff, h & 0xff, h2 & 0xff];
    return bytes.map((b) => b.toString(16).padStart(2, '0')).join(':');
  }
}
