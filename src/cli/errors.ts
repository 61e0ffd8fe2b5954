/**
 * How `phoenix-client` ends. Bad input of any kind (arguments, config, an ID that names no guest)
 * exits 2 and changes nothing; anything that went wrong while acting exits 1.
 */
// The small modules, not the config layer's index (which loads zod for every command).
import { UnknownGuestError } from '../config/guest';
import { ConfigError } from '../config/issues';

export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_BAD_INPUT = 2;

/** Wrong command-line usage. `command` says whose `--help` to point at. */
export class UsageError extends Error {
  override name = 'UsageError';
  constructor(
    message: string,
    readonly command?: string,
  ) {
    super(message);
  }
}

/** node:util parseArgs throws TypeErrors with these codes for unknown or malformed options. */
function isParseArgsError(err: unknown): err is Error {
  return err instanceof Error && typeof (err as NodeJS.ErrnoException).code === 'string' && (err as NodeJS.ErrnoException).code!.startsWith('ERR_PARSE_ARGS');
}

export function isBadInput(err: unknown): boolean {
  return err instanceof UsageError || err instanceof ConfigError || err instanceof UnknownGuestError || isParseArgsError(err);
}

export function exitCodeFor(err: unknown): number {
  return isBadInput(err) ? EXIT_BAD_INPUT : EXIT_FAILURE;
}
