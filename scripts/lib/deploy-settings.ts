/**
 * The self-hosted Temporal settings shared by docker-compose.temporal.yml and the production
 * stack (prod-stack.ts): deploy/temporal.env (values), deploy/temporal-dynamicconfig.yaml
 * (the server's dynamic config), and the compose file's own schema and setup scripts, which
 * the production stack runs verbatim. test/prod/shared-config.test.ts checks the agreement.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { REPO } from './stack';

export const DEPLOY_ENV_FILE = join(REPO, 'deploy', 'temporal.env');
export const DYNAMIC_CONFIG_FILE = join(REPO, 'deploy', 'temporal-dynamicconfig.yaml');
export const COMPOSE_FILE = join(REPO, 'docker-compose.temporal.yml');

/** Keys every consumer relies on; a missing one is an error, not a silent default. */
const REQUIRED = [
  'DB', 'DB_PORT', 'POSTGRES_USER', 'DBNAME', 'VISIBILITY_DBNAME', 'NUM_HISTORY_SHARDS', 'FRONTEND_GRPC_PORT',
  'FRONTEND_HTTP_PORT', 'TEMPORAL_UI_PORT', 'DYNAMIC_CONFIG_FILE_PATH', 'TEMPORAL_NAMESPACE', 'PHOENIX_NAMESPACE_RETENTION',
] as const;
export type DeploySettings = Record<(typeof REQUIRED)[number], string> & Record<string, string>;

/**
 * Compose's env_file format, the subset used here: KEY=VALUE lines, `#` comment lines, blank
 * lines. Anything else (quotes, `export`, interpolation) is refused rather than guessed at,
 * since compose and this reader could disagree on it.
 */
export function parseEnvFile(text: string, source = 'env file'): Record<string, string> {
  const values: Record<string, string> = {};
  text.split('\n').forEach((raw, index) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const m = /^([A-Z][A-Z0-9_]*)=([^\s"'`$#]*)$/.exec(line);
    if (!m) throw new Error(`${source}:${index + 1}: expected KEY=VALUE with a plain value, got ${JSON.stringify(raw)}`);
    if (m[1]! in values) throw new Error(`${source}:${index + 1}: ${m[1]} is set twice`);
    values[m[1]!] = m[2]!;
  });
  return values;
}

export function readDeploySettings(file = DEPLOY_ENV_FILE): DeploySettings {
  const values = parseEnvFile(readFileSync(file, 'utf8'), file);
  const missing = REQUIRED.filter((key) => !values[key]);
  if (missing.length) throw new Error(`${file}: missing ${missing.join(', ')}`);
  return values as DeploySettings;
}

export interface ComposeService {
  image?: string;
  env_file?: string | string[];
  environment?: Record<string, string>;
  command?: string[];
  ports?: string[];
  volumes?: string[];
  healthcheck?: { test?: string[] };
}

export function readCompose(file = COMPOSE_FILE): { services: Record<string, ComposeService> } {
  return parseYaml(readFileSync(file, 'utf8')) as unknown as { services: Record<string, ComposeService> };
}

/**
 * The shell script a compose service runs (`entrypoint: [/bin/sh, -ec]`, `command: [script]`),
 * with compose's `$$` escapes turned back into the `$` the container's shell sees.
 */
export function composeScript(service: string, compose = readCompose()): string {
  const script = compose.services[service]?.command?.[0];
  if (typeof script !== 'string') throw new Error(`${COMPOSE_FILE}: service ${service} has no command script`);
  return script.replaceAll('$$', '$');
}
