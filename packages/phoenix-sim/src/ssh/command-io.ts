import type { Readable, Writable } from 'node:stream';
import type { SshHost } from './host-backend';

/** One host command's streams and the host it acts on. Commands resolve to their exit code. */
export interface CommandContext {
  argv: string[];
  stdin: Readable;
  stdout: Writable;
  stderr: Writable;
  host: SshHost;
  /**
   * Sends the exit status before the command's promise settles: sshd reports a process's
   * exit at once but keeps the channel open until its output pipes reach EOF.
   */
  reportExit?: (code: number) => void;
}

export type HostCommand = (ctx: CommandContext) => Promise<number>;

/** A CLI `die`: the message on stderr and PVE's CLI exit status. */
export class CliExit extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}

/** PVE's CLI tools end with status 255 when a handler dies. */
export const PVE_DIE = 255;

export function die(message: string, code = PVE_DIE): never {
  throw new CliExit(code, message.endsWith('\n') ? message : `${message}\n`);
}

export function readAll(stream: Readable): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('end', () => resolve(Buffer.concat(chunks)));
    stream.on('error', reject);
  });
}
