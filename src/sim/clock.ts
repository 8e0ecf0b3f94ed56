/** The virtual clock: milliseconds since the world started. Only the scheduler advances it. */
export class VirtualClock {
  #now = 0;

  now(): number {
    return this.#now;
  }

  /** Moves time forward; time never goes back. */
  advanceTo(t: number): void {
    if (t > this.#now) this.#now = t;
  }
}
