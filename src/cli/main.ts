/**
 * `phoenix-client`: the command table and the one place errors become exit codes.
 *
 * To add a command, write `src/cli/commands/<name>.ts` exporting a `defineCommand({...})` and add
 * one line to COMMANDS below. Nothing else changes.
 */
import { parseArgs } from 'node:util';
import { ConfigError, didYouMean, formatIssue, type Env } from '../config';
import type { Command, Output } from './command';
import { cancelCommand } from './commands/cancel';
import { listCommand } from './commands/list';
import { planCommand } from './commands/plan';
import { scheduleCommand } from './commands/schedule';
import { setupCommand } from './commands/setup';
import { startCommand } from './commands/start';
import { statusCommand } from './commands/status';
import { upCommand } from './commands/up';
import { deleteCommand } from './commands/delete';
import { reconfigureCommand } from './commands/reconfigure';
import { restartCommand } from './commands/restart';
import { stopCommand } from './commands/stop';
import { validateCommand } from './commands/validate';
import { EXIT_BAD_INPUT, EXIT_OK, exitCodeFor, UsageError } from './errors';

// `any`: each entry keeps its own Options/Result pairing (see defineCommand); the table only dispatches.
export const COMMANDS: readonly Command<any, any>[] = [
  validateCommand,
  planCommand,
  startCommand,
  statusCommand,
  listCommand,
  cancelCommand,
  scheduleCommand,
  upCommand,
  stopCommand,
  restartCommand,
  deleteCommand,
  reconfigureCommand,
  setupCommand,
];

export const PROGRAM = 'phoenix-client';

export function usage(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length)) + 2;
  return [
    `Usage: ${PROGRAM} <command> [options]`,
    '',
    'Builds and configures Proxmox VE containers and VMs from the Phoenix configuration files.',
    '',
    'Commands:',
    ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}${c.summary}`),
    '',
    `Run "${PROGRAM} <command> --help" for a command's options.`,
    'Exit status: 0 ok, 2 bad input (arguments, configuration, unknown ID), 1 operation failed.',
  ].join('\n');
}

/** Run one invocation; resolves to the exit code. Never throws. */
export async function main(argv: readonly string[], output: Output = processOutput(), env: Env = process.env): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined) {
    output.err(usage());
    return EXIT_BAD_INPUT;
  }
  if (name === '--help' || name === '-h' || name === 'help') {
    output.out(usage());
    return EXIT_OK;
  }
  const command = COMMANDS.find((c) => c.name === name);
  try {
    if (!command) throw new UsageError(`unknown command ${JSON.stringify(name)}${didYouMean(name, COMMANDS.map((c) => c.name))}`);
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
