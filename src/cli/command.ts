/**
 * The shape of a `phoenix-client` command. The work is `run`: a function from typed options to
 * data, testable without a terminal. `parse` turns argv into those options and `render` prints the
 * data; errors are thrown and turned into exit codes in one place (main.ts).
 */
import type { ParseArgsConfig } from 'node:util';
import type { Env } from '../config';

export interface Output {
  /** One line of normal output (stdout). */
  out(line: string): void;
  /** One line of diagnostics: warnings, errors, progress (stderr). */
  err(line: string): void;
}

export interface ParsedArgs {
  readonly values: Record<string, string | boolean | (string | boolean)[] | undefined>;
  readonly positionals: string[];
}

export interface Command<Options = unknown, Result = unknown> {
  readonly name: string;
  /** One line for the command list. */
  readonly summary: string;
  /** Full `--help` text: usage line, arguments, options, environment. */
  readonly help: string;
  readonly options: NonNullable<ParseArgsConfig['options']>;
  readonly allowPositionals: boolean;
  parse(args: ParsedArgs, env: Env): Options;
  run(options: Options): Promise<Result>;
  render(result: Result, options: Options, output: Output): void;
}

/** Keeps each command's Options and Result types together while the table holds them all. */
export function defineCommand<Options, Result>(command: Command<Options, Result>): Command<Options, Result> {
  return command;
}
