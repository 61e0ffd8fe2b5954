/** Options several commands share, defined once so they read and behave the same everywhere. */
import { configDirFrom, ENV, type Env } from '../config';
import type { ParsedArgs } from './command';
import { UsageError } from './errors';

export const configDirOption = { 'config-dir': { type: 'string' } } as const;
export const jsonOption = { json: { type: 'boolean', default: false } } as const;

export const CONFIG_DIR_HELP = `  --config-dir DIR   folder holding the three config files (default: $${ENV.configDir}, else ./config)`;
export const JSON_HELP = '  --json             print the result as JSON';

export function configDirArg(args: ParsedArgs, env: Env): string {
  const value = args.values['config-dir'];
  return configDirFrom(typeof value === 'string' ? value : undefined, env);
}

/** Guest IDs given as arguments; anything but a positive integer is a usage error naming the argument. */
export function guestIdArgs(args: ParsedArgs, command: string): number[] {
  if (args.positionals.length === 0) throw new UsageError(`${command} needs at least one container or VM ID`, command);
  return args.positionals.map((p) => {
    if (!/^[0-9]+$/.test(p)) throw new UsageError(`${JSON.stringify(p)} is not a container or VM ID (expected a number such as 950)`, command);
    return Number(p);
  });
}
