import type { AnswerKind, Capture, Delivery, ErrorSeen, Fate, PathEvent, PathSink, Stage } from '../kernel/events.js';

/**
 * A path event as the recorder keeps it: numbered in its leg, timed, every optional field present (undefined
 * when unset), in the order the trace's hops print them. It is the shape of `trace/`'s Hop, made once here.
 */
export interface RecordedEvent {
  seq: number;
  node: string | null;
  netns: string;
  dev: string | null;
  stage: Stage;
  detail: string;
  table: string | null;
  chain: string | null;
  rule: string | null;
  verdict: string | null;
  before: { src: string; dst: string } | null;
  after: { src: string; dst: string } | null;
  packet: string | undefined;
  /** Absent (undefined) when there are none. */
  facts: readonly string[] | undefined;
  /** true, or undefined. */
  minor: true | undefined;
  t: number;
}

export interface LegRecord {
  id: number;
  parent: number | null;
  kind: AnswerKind | 'original';
  events: RecordedEvent[];
  /** The first decisive outcome: a delivery, or a fate that is not a bystander's. */
  outcome: { kind: 'delivered'; delivery: Delivery } | { kind: 'fate'; fate: Fate } | null;
  /** Bystander fates (flooded copies ignored by other hosts), kept for when nothing decides. */
  bystanders: Fate[];
  errors: ErrorSeen[];
}

/** Collects what the kernel model reports for one trace, leg by leg. */
export class Recorder implements PathSink {
  readonly legs: LegRecord[] = [];
  /** Every frame that crossed a link, in order, with its virtual time (ms). */
  readonly captures: (Capture & { leg: number; t: number })[] = [];
  /** Conntrack entries left in each namespace when the run ended. */
  readonly conntrack: { netns: string; orig: string; reply: string; state: string; status: readonly string[]; line: string }[] = [];

  /**
   * Frames on the wire, as a capture would see them (`captures`: false leaves them out, and the kernel then
   * copies no frame for them: `sink.capture` is absent).
   */
  readonly capture: ((leg: number, c: Capture) => void) | undefined;

  constructor(private readonly now: () => number, opts: { captures?: boolean } = {}) {
    this.#newLeg(null, 'original');
    this.capture = opts.captures === false ? undefined : (leg, c) => {
      this.captures.push({ ...c, leg, t: this.now() });
    };
  }

  #newLeg(parent: number | null, kind: LegRecord['kind']): number {
    const id = this.legs.length;
    this.legs.push({ id, parent, kind, events: [], outcome: null, bystanders: [], errors: [] });
    return id;
  }

  /** Keeps what `e` says, numbered and timed, in the shape of a hop. */
  event(leg: number, e: Omit<PathEvent, 'netns'>, netns: string): void {
    const events = this.legs[leg].events;
    events.push({
      seq: events.length + 1,
      node: null,
      netns,
      dev: e.dev,
      stage: e.stage,
      detail: e.detail,
      table: e.table ?? null,
      chain: e.chain ?? null,
      rule: e.rule ?? null,
      verdict: e.verdict ?? null,
      before: e.before ?? null,
      after: e.after ?? null,
      packet: e.packet,
      facts: e.facts !== undefined && e.facts.length > 0 ? e.facts : undefined,
      minor: e.minor ? true : undefined,
      t: this.now(),
    });
  }

  fate(leg: number, f: Fate): void {
    const l = this.legs[leg];
    if (f.bystander) l.bystanders.push(f);
    else if (!l.outcome) l.outcome = { kind: 'fate', fate: f };
  }

  delivered(leg: number, d: Delivery): void {
    const l = this.legs[leg];
    if (!l.outcome) l.outcome = { kind: 'delivered', delivery: d };
  }

  answer(leg: number, kind: AnswerKind): number {
    return this.#newLeg(leg, kind);
  }

  errorSeen(leg: number, e: ErrorSeen): void {
    this.legs[leg].errors.push(e);
  }
}
