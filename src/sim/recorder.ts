import type { AnswerKind, Capture, Delivery, ErrorSeen, Fate, PathEvent, PathSink } from '../kernel/events.js';

export interface LegRecord {
  id: number;
  parent: number | null;
  kind: AnswerKind | 'original';
  events: PathEvent[];
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
  readonly conntrack: { netns: string; orig: string; reply: string; state: string; status: string[]; line: string }[] = [];

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

  /** Keeps `e` (a fresh object from report()) with its time set. */
  event(leg: number, e: PathEvent): void {
    e.t = this.now();
    this.legs[leg].events.push(e);
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
