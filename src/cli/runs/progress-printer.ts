/**
 * Prints step progress: one line per step start and end, prefixed with the guest; on a
 * terminal the running step's live detail (a job's last log line) is shown on one line
 * that is rewritten in place, elsewhere detail lines are printed when they change.
 */
import type { StepEvent } from './follow';

const ICON = { running: '▶', done: '✔', skipped: '–', failed: '✘', cancelled: '⊘', pending: '·' } as const;

export function progressPrinter(write: (line: string) => void, tty: boolean) {
  let liveLine = false;
  const clearLive = () => {
    if (liveLine) process.stderr.write('\r\x1b[2K');
    liveLine = false;
  };
  return {
    step(e: StepEvent): void {
      clearLive();
      const who = `${e.kind === 'lxc' ? 'CT' : 'VM'} ${e.id}`;
      const took = e.step.startedAt && e.step.endedAt ? ` (${((e.step.endedAt - e.step.startedAt) / 1000).toFixed(1)} s)` : '';
      const text = e.step.error ?? e.step.summary;
      write(`[${who}] ${ICON[e.step.state]} ${e.step.name}${e.step.state === 'running' ? '' : took}${text && e.step.state !== 'running' ? ` — ${text}` : ''}`);
    },
    detail(workflowId: string, detail: string): void {
      const line = `  ${workflowId}: ${detail}`.slice(0, 160);
      if (tty) {
        clearLive();
        process.stderr.write(line);
        liveLine = true;
      } else {
        write(line);
      }
    },
    /** Temporal unreachable (a line saying so), or back (undefined). */
    connection(problem: string | undefined): void {
      clearLive();
      write(problem ? `… ${problem}` : '… Temporal is reachable again; following on');
    },
    close: clearLive,
  };
}
