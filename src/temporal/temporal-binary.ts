import { accessSync, constants, readFileSync } from 'node:fs';
import { delimiter, join, resolve } from 'node:path';

/**
 * Finds the Temporal CLI the dev server runs from, in this order:
 *   1. `PHOENIX_TEMPORAL_BIN`, an explicit choice;
 *   2. `<repo>/.tools/bin/temporal`, what scripts/install-temporal.sh builds;
 *   3. the binary recorded in `<repo>/.tools/temporal.json` (install-temporal.sh
 *      chose a suitable `temporal` already on PATH);
 *   4. `temporal` on PATH.
 */

// Same depth from src/temporal (tsx) and dist/temporal (built).
export const REPO_ROOT = resolve(__dirname, '..', '..');
const LOCAL_BIN = join(REPO_ROOT, '.tools', 'bin', 'temporal');
const INSTALL_MARKER = join(REPO_ROOT, '.tools', 'temporal.json');

export class TemporalBinaryNotFoundError extends Error {
  constructor(tried: string[]) {
    super(
      `Temporal CLI not found (tried ${tried.join(', ')}). ` +
        'Run `npm run install-temporal`, or set PHOENIX_TEMPORAL_BIN to a temporal binary (CLI 1.5.1 or newer).',
    );
    this.name = 'TemporalBinaryNotFoundError';
  }
}

export function findTemporalBinary(env: Readonly<Record<string, string | undefined>> = process.env): string {
  const explicit = env.PHOENIX_TEMPORAL_BIN;
  if (explicit) {
    if (!isExecutable(explicit)) throw new TemporalBinaryNotFoundError([`PHOENIX_TEMPORAL_BIN=${explicit}`]);
    return explicit;
  }
  const tried = [LOCAL_BIN];
  if (isExecutable(LOCAL_BIN)) return LOCAL_BIN;

  const recorded = binaryFromMarker();
  if (recorded) {
    tried.push(recorded);
    if (isExecutable(recorded)) return recorded;
  }
  for (const dir of (env.PATH ?? '').split(delimiter).filter(Boolean)) {
    const candidate = join(dir, 'temporal');
    if (isExecutable(candidate)) return candidate;
  }
  tried.push('temporal on PATH');
  throw new TemporalBinaryNotFoundError(tried);
}

function binaryFromMarker(): string | undefined {
  try {
    const marker: unknown = JSON.parse(readFileSync(INSTALL_MARKER, 'utf8'));
    const bin = (marker as { bin?: unknown }).bin;
    return typeof bin === 'string' ? bin : undefined;
  } catch {
    return undefined; // no marker, or a damaged one: fall through to PATH
  }
}

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}
