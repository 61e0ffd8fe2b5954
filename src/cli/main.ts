/**
 * `phoenix-client`: the command table and the one place errors become exit codes.
 *
 * To add a command, write `src/cli/commands/<name>.ts` exporting a `defineCommand({...})` and add
 * one line to COMMAND_LOADERS below. Nothing else changes.
 */
import { parseArgs } from 'node:util';
// The small modules, not the config layer's index: a command that reads no config loads no zod.
import type { Env } from '../config/env';
import { ConfigError, formatIssue } from '../config/issues';
import { didYouMean } from '../config/suggest';
import type { Command, Output } from './command';
import { EXIT_BAD_INPUT, EXIT_OK, exitCodeFor, UsageError } from './errors';

// `any`: each entry keeps its own Options/Result pairing (see defineCommand); the table only dispatches.
type AnyCommand = Command<any, any>;

/**
 * The command table, in `--help` order. Each command is loaded when it runs (start-up cost: a
 * `start` loads the Temporal client and the config layer, never `setup`'s or `plan`'s modules).
 */
const COMMAND_LOADERS: ReadonlyArray<readonly [string, () => Promise<AnyCommand>]> = [
  ['validate', () => import('./commands/validate').then((m) => m.validateCommand)],
  ['plan', () => import('./commands/plan').then((m) => m.planCommand)],
  ['start', () => import('./commands/start').then((m) => m.startCommand)],
  ['status', () => import('./commands/status').then((m) => m.statusCommand)],
  ['list', () => import('./commands/list').then((m) => m.listCommand)],
  ['cancel', () => import('./commands/cancel').then((m) => m.cancelCommand)],
  ['schedule', () => import('./commands/schedule').then((m) => m.scheduleCommand)],
  ['up', () => import('./commands/up').then((m) => m.upCommand)],
  ['stop', () => import('./commands/stop').then((m) => m.stopCommand)],
  ['restart', () => import('./commands/restart').then((m) => m.restartCommand)],
  ['delete', () => import('./commands/delete').then((m) => m.deleteCommand)],
  ['reconfigure', () => import('./commands/reconfigure').then((m) => m.reconfigureCommand)],
  ['setup', () => import('./commands/setup').then((m) => m.setupCommand)],
];

export const COMMAND_NAMES: readonly string[] = COMMAND_LOADERS.map(([name]) => name);

/** Every command, loaded (for the command list and tests). */
export function loadCommands(): Promise<AnyCommand[]> {
  return Promise.all(COMMAND_LOADERS.map(([, load]) => load()));
}

export const PROGRAM = 'phoenix-client';

export async function usage(): Promise<string> {
  const commands = await loadCommands();
  const width = Math.max(...commands.map((c) => c.name.length)) + 2;
  return [
    `Usage: ${PROGRAM} <command> [options]`,
    '',
    'Builds and configures Proxmox VE containers and VMs from the Phoenix configuration files.',
    '',
    'Commands:',
    ...commands.map((c) => `  ${c.name.padEnd(width)}${c.summary}`),
    '',
    `Run "${PROGRAM} <command> --help" for a command's options.`,
    'Exit status: 0 ok, 2 bad input (arguments, configuration, unknown ID), 1 operation failed.',
  ].join('\n');
}

/** Run one invocation; resolves to the exit code. Never throws. */
export async function main(argv: readonly string[], output: Output = processOutput(), env: Env = process.env): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined) {
    output.err(await usage());
    return EXIT_BAD_INPUT;
  }
  if (name === '--help' || name === '-h' || name === 'help') {
    output.out(await usage());
    return EXIT_OK;
  }
  const loader = COMMAND_LOADERS.find(([n]) => n === name)?.[1];
  let command: AnyCommand | undefined;
  try {
    if (!loader) throw new UsageError(`unknown command ${JSON.stringify(name)}${didYouMean(name, COMMAND_NAMES)}`);
    command = await loader();
    if (rest.includes('--help') || rest.includes('-h')) {
      output.out(command.help);
      return EXIT_OK;
    }
    const { values, positionals } = parseArgs({ args: [...rest], options: command.options, allowPositionals: command.allowPositionals, strict: true });
    const options = command.parse({ values, positionals }, env);
    const result = await command.run(options);
    command.render(result, options, output);
    return EXIT_OK;
  } catch (err) {
    report(err, command?.name, output);
    return exitCodeFor(err);
  }
}

function report(err: unknown, commandName: string | undefined, output: Output): void {
  if (err instanceof ConfigError) {
    for (const w of err.warnings) output.err(`warning: ${formatIssue(w)}`);
    for (const i of err.issues) output.err(formatIssue(i));
    return;
  }
  const message = err instanceof Error ? err.message : String(err);
  output.err(`error: ${message}`);
  if (err instanceof UsageError || (err instanceof Error && (err as NodeJS.ErrnoException).code?.startsWith('ERR_PARSE_ARGS'))) {
    output.err(commandName ? `Run "${PROGRAM} ${commandName} --help" for usage.` : `Run "${PROGRAM} --help" for the list of commands.`);
  }
}

function processOutput(): Output {
  return {
    out: (line) => void process.stdout.write(`${line}\n`),
    err: (line) => void process.stderr.write(`${line}\n`),
  };
}
