/** Options several commands share, defined once so they read and behave the same everywhere. */
import { configDirFrom, ENV, type Env } from '../config';
import type { ParsedArgs } from './command';
import { UsageError } from './errors';
import { temporalSettings, TEMPORAL_HELP, type TemporalCliSettings } from './runs/temporal-options';

export const configDirOption = { 'config-dir': { type: 'string' } } as const;
export const jsonOption = { json: { type: 'boolean', default: false } } as const;

export const CONFIG_DIR_HELP = `  --config-dir DIR   folder holding the three config files (default: $${ENV.configDir}, else ./config)`;
export const JSON_HELP = '  --json             print the result as JSON';

/** --config-dir and --json, the options of every command that reads the config and prints a result. */
export const configJsonOptions = { ...configDirOption, ...jsonOption } as const;

/** The end of the Options block of such a command that also talks to Temporal. */
export const CONFIG_JSON_TEMPORAL_HELP: readonly string[] = [CONFIG_DIR_HELP, JSON_HELP, '', TEMPORAL_HELP];

export interface ConfigJsonTemporalOptions extends TemporalCliSettings {
  readonly configDir: string;
  readonly json: boolean;
}

/** The values of configJsonOptions, with the Temporal settings from the environment. */
export function configJsonTemporalArgs(args: ParsedArgs, env: Env): ConfigJsonTemporalOptions {
  return { configDir: configDirArg(args, env), json: args.values['json'] === true, ...temporalSettings(env) };
}

/** Where a command that follows runs prints its progress: stderr, so stdout (and --json) stays the result. */
export function progressOnStderr(): { progress: (line: string) => void; tty: boolean } {
  return { progress: (line) => void process.stderr.write(`${line}\n`), tty: process.stderr.isTTY === true };
}

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
