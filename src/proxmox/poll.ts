// Shared pieces of every "wait until" loop: abortable sleep and deadline checks.
// Waits never re-send the request that started the work; they only read.

export interface WaitOptions {
  /** Called once per poll, e.g. to heartbeat a Temporal activity. */
  onProgress?: (progress: WaitProgress) => void;
  /** Aborts the wait (activity cancelled). The remote work keeps running. */
  signal?: AbortSignal;
  pollMs?: number;
  /** Absolute time (ms since epoch) after which the wait gives up with PveWaitTimeout. */
  deadline?: number;
}

export interface WaitProgress {
  what: string;
  polls: number;
  elapsedMs: number;
  /** Latest observed state, e.g. `running`, `lock=clone`. */
  state: string;
}

export { sleep } from '../shared/abort';
