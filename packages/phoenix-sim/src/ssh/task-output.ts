import type { Writable } from 'node:stream';
import { PveError } from '../state/errors';
import type { TaskHandle } from '../state/tasks';
import { CliExit, PVE_DIE } from './command-io';

/**
 * pct/qm run their workers in the foreground: the task log goes to stdout as it is
 * written, and a failed task ends with `TASK ERROR: <msg>` and a non-zero exit.
 */
export async function followTask(handle: TaskHandle, stdout: Writable, stderr: Writable): Promise<number> {
  let printed = 0;
  const flush = () => {
    const log = handle.record.log;
    for (; printed < log.length; printed++) {
      const line = log[printed]!;
      if (line === 'TASK OK') continue;
      if (line.startsWith('TASK ERROR:')) stderr.write(`${line}\n`);
      else stdout.write(`${line}\n`);
    }
  };
  const timer = setInterval(flush, 100);
  try {
    const record = await handle.done;
    flush();
    return record.exitstatus === 'OK' || record.exitstatus?.startsWith('WARNINGS') ? 0 : PVE_DIE;
  } finally {
    clearInterval(timer);
  }
}

/** Runs a CLI handler body, turning PVE's errors into the CLI's message and exit status. */
export async function asCli(stderr: Writable, body: () => Promise<number>): Promise<number> {
  try {
    return await body();
  } catch (error) {
    if (error instanceof CliExit) {
      stderr.write(error.message);
      return error.code;
    }
    if (error instanceof PveError) {
      if (error.errors) {
        stderr.write(`400 Parameter verification failed.\n`);
        for (const [key, text] of Object.entries(error.errors)) stderr.write(`${key}: ${text.replace(/\n$/, '')}\n`);
      } else stderr.write(error.message.endsWith('\n') ? error.message : `${error.message}\n`);
      return PVE_DIE;
    }
    throw error;
  }
}
