/**
 * Simulated time. Every task and boot duration goes through `sleep`, scaled
 * by `timeScale`, so tests can run PVE's multi-second operations in
 * milliseconds while keeping their order and overlap. Timers are tracked so
 * closing the simulator never leaves a pending timer behind.
 */
export class SimClock {
  private readonly timers = new Map<NodeJS.Timeout, () => void>();
  private closed = false;

  constructor(readonly timeScale: number) {
    if (!(timeScale >= 0) || !Number.isFinite(timeScale)) throw new Error(`timeScale must be a finite number >= 0, got ${timeScale}`);
  }

  now(): number {
    return Date.now();
  }

  /** A PVE duration in milliseconds, scaled. */
  scaled(ms: number): number {
    return Math.round(ms * this.timeScale);
  }

  /** Waits a PVE duration (scaled). Resolves at once once the clock is closed. */
  sleep(ms: number): Promise<void> {
    const delay = this.scaled(ms);
    if (this.closed || delay <= 0) return Promise.resolve();
    return new Promise((resolve) => {
      const t = setTimeout(() => {
        this.timers.delete(t);
        resolve();
      }, delay);
      this.timers.set(t, resolve);
    });
  }

  /**
   * Ends every pending sleep now (running tasks move on to their next step or finish), and
   * keeps the clock running. Lets a test hold a task for as long as it needs, then release
   * it, instead of racing a wall-clock duration.
   */
  fastForward(): void {
    for (const [t, resolve] of this.timers) {
      clearTimeout(t);
      resolve();
    }
    this.timers.clear();
  }

  /** Fast-forwards for good: pending and later sleeps end at once, so running tasks finish instead of hanging. */
  close(): void {
    this.closed = true;
    this.fastForward();
  }

  get isClosed(): boolean {
    return this.closed;
  }
}
