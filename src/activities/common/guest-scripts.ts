/**
 * Guest scripts (features/, apps/) made ready to run: the configuration values are
 * prepended as shell assignments, each value single-quoted (arrays as bash arrays), so
 * no config value is ever interpreted by a shell. The hash of the whole composed script
 * records what was applied: same script and same inputs → same hash → nothing to do.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ApplicationFailure } from '@temporalio/common';
import type { ScriptEnv } from '../../shared/lxc-plan';
import { quoteArg } from '../../ssh/quote';

export interface ComposedScript {
  text: string;
  sha256: string;
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export async function composeScript(root: string, folder: string, file: string, env: ScriptEnv, header: string): Promise<ComposedScript> {
  if (!NAME.test(file)) throw ApplicationFailure.nonRetryable(`script name ${JSON.stringify(file)} is not a plain file name`, 'PhoenixBadScript');
  const path = join(root, folder, file.endsWith('.sh') ? file : `${file}.sh`);
  let body: string;
  try {
    body = await readFile(path, 'utf8');
  } catch {
    throw ApplicationFailure.nonRetryable(`the script ${path} does not exist on the worker`, 'PhoenixBadScript');
  }
  const assignments = Object.entries(env)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([key, value]) => {
      if (!ENV_NAME.test(key)) throw ApplicationFailure.nonRetryable(`bad script variable name ${key}`, 'PhoenixBadScript');
      return Array.isArray(value) ? `${key}=(${value.map(quoteArg).join(' ')})` : `export ${key}=${quoteArg(value)}`;
    });
  const text = ['#!/usr/bin/env bash', `# ${header}`, ...assignments, '', body].join('\n');
  return { text, sha256: createHash('sha256').update(text).digest('hex') };
}

/** Where a guest records the hash of each script it applied. */
export const APPLIED_DIR = '/etc/phoenix/applied';

export function appliedMarker(kind: 'feature' | 'app', name: string): string {
  return `${APPLIED_DIR}/${kind}-${name}.sha256`;
}
