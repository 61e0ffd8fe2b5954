/**
 * docker-compose.temporal.yml and the production stack (scripts/lib/prod-stack.ts) run from one
 * set of settings: deploy/temporal.env and deploy/temporal-dynamicconfig.yaml. This checks that
 * both really read them and that nothing restates a value elsewhere, so the suite that runs the
 * stack (production-topology.test.ts) also proves the compose file's settings.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { describe, test } from 'node:test';
import { PHOENIX_SEARCH_ATTRIBUTES } from '../../src/shared/search-attributes';
import {
  composeScript, DEPLOY_ENV_FILE, DYNAMIC_CONFIG_FILE, parseEnvFile, readCompose, readDeploySettings,
} from '../../scripts/lib/deploy-settings';
import { installedServer, serverConfig } from '../../scripts/lib/prod-stack';
import { REPO } from '../../scripts/lib/stack';

const settings = readDeploySettings();
const compose = readCompose();
const service = (name: string) => {
  const s = compose.services[name];
  assert.ok(s, `compose service ${name}`);
  return s;
};
const ENV_FILE = relative(REPO, DEPLOY_ENV_FILE);
const installScript = readFileSync(join(REPO, 'scripts', 'install-temporal-server.sh'), 'utf8');
const pinned = (name: string) => new RegExp(`^readonly ${name}='([^']+)'$`, 'm').exec(installScript)?.[1];

describe('one source of the self-hosted Temporal settings', () => {
  test('every Temporal-side compose service reads deploy/temporal.env and restates none of its keys', { timeout: 5_000 }, () => {
    for (const name of ['postgresql', 'temporal-schema', 'temporal', 'temporal-setup', 'temporal-ui', 'phoenix-worker']) {
      assert.equal(service(name).env_file, ENV_FILE, `${name}.env_file`);
      const restated = Object.keys(service(name).environment ?? {}).filter((key) => key in settings);
      assert.deepEqual(restated, [], `${name}.environment restates ${restated.join(', ')} from ${ENV_FILE}`);
    }
  });

  test('published ports and service addresses are the ones the settings name', { timeout: 5_000 }, () => {
    assert.deepEqual(service('temporal').ports, [`127.0.0.1:${settings.FRONTEND_GRPC_PORT}:${settings.FRONTEND_GRPC_PORT}`]);
    assert.deepEqual(service('temporal-ui').ports, [`127.0.0.1:${settings.TEMPORAL_UI_PORT}:${settings.TEMPORAL_UI_PORT}`]);
    assert.equal(service('temporal-ui').environment?.TEMPORAL_CORS_ORIGINS, `http://localhost:${settings.TEMPORAL_UI_PORT}`);
    assert.ok(JSON.stringify(service('temporal').healthcheck).includes(`"${settings.FRONTEND_GRPC_PORT}"`), 'the health check probes the frontend port');
    for (const name of ['temporal-setup', 'temporal-ui', 'phoenix-worker']) {
      assert.equal(service(name).environment?.TEMPORAL_ADDRESS, `temporal:${settings.FRONTEND_GRPC_PORT}`, `${name}.TEMPORAL_ADDRESS`);
    }
  });

  test('the server container mounts the shared dynamic config where the settings point', { timeout: 5_000 }, () => {
    assert.deepEqual(service('temporal').volumes, [`./${relative(REPO, DYNAMIC_CONFIG_FILE)}:${settings.DYNAMIC_CONFIG_FILE_PATH}:ro`]);
  });

  test("the production stack's server config is rendered from the same settings and dynamic config", { timeout: 5_000 }, () => {
    const config = serverConfig(
      settings,
      { frontend: 1, frontendHttp: 2, membership: [3, 4, 5, 6], history: 7, matching: 8, worker: 9 },
      { port: 10, password: 'generated' },
    ) as any;
    assert.equal(config.persistence.numHistoryShards, Number(settings.NUM_HISTORY_SHARDS));
    assert.equal(config.persistence.datastores.default.sql.pluginName, settings.DB);
    assert.equal(config.persistence.datastores.default.sql.databaseName, settings.DBNAME);
    assert.equal(config.persistence.datastores.visibility.sql.databaseName, settings.VISIBILITY_DBNAME);
    assert.equal(config.persistence.datastores.visibility.sql.user, settings.POSTGRES_USER);
    assert.equal(config.dynamicConfigClient.filepath, DYNAMIC_CONFIG_FILE);
  });

  test('the schema and setup scripts (run verbatim by the production stack) take their values from the settings', { timeout: 5_000 }, () => {
    const schema = composeScript('temporal-schema');
    for (const key of ['DB', 'DB_PORT', 'POSTGRES_USER', 'DBNAME', 'VISIBILITY_DBNAME']) assert.match(schema, new RegExp(`\\$${key}\\b`), key);
    assert.doesNotMatch(schema, /postgres12|5432|temporal_visibility/, 'no literal restates a setting');
    const setup = composeScript('temporal-setup');
    assert.match(setup, /--retention "\$PHOENIX_NAMESPACE_RETENTION"/);
    assert.match(setup, /-n "\$TEMPORAL_NAMESPACE"/);
    const loop = /for name in ([A-Za-z ]+); do/.exec(setup);
    assert.deepEqual(loop?.[1]!.trim().split(/\s+/).sort(), PHOENIX_SEARCH_ATTRIBUTES.map((k) => k.name).sort());
  });

  test('image tags are the versions the production suite builds and runs', { timeout: 5_000 }, () => {
    const server = pinned('SERVER_VERSION');
    const ui = pinned('UI_VERSION');
    assert.ok(server && ui, 'install-temporal-server.sh pins SERVER_VERSION and UI_VERSION');
    assert.equal(service('temporal').image, `temporalio/server:\${TEMPORAL_VERSION:-${server}}`);
    assert.equal(service('temporal-schema').image, `temporalio/admin-tools:\${TEMPORAL_ADMINTOOLS_VERSION:-${server}}`);
    assert.equal(service('temporal-setup').image, `temporalio/admin-tools:\${TEMPORAL_ADMINTOOLS_VERSION:-${server}}`);
    assert.equal(service('temporal-ui').image, `temporalio/ui:\${TEMPORAL_UI_VERSION:-${ui}}`);
    // PostgreSQL: the major version of the server binaries the suite runs.
    const major = /^postgres:(\d+)$/.exec(String(service('postgresql').image))?.[1];
    const versions = spawnSync('ls', ['/usr/lib/postgresql'], { encoding: 'utf8' }).stdout.split(/\s+/).filter(Boolean);
    assert.ok(major && versions.includes(major), `compose runs postgres:${major}; this machine has PostgreSQL ${versions.join(', ')}`);
  });

  test('the dynamic config passes the server\'s own validation', { timeout: 30_000 }, () => {
    const result = spawnSync(installedServer().serverBin, ['validate-dynamic-config', DYNAMIC_CONFIG_FILE], { encoding: 'utf8' });
    assert.equal(result.status, 0, `${result.stdout}\n${result.stderr}`);
    assert.doesNotMatch(result.stdout, /error|warning/);
  });
});

describe('deploy/temporal.env reader', () => {
  test('reads KEY=VALUE lines, comments and blank lines', { timeout: 5_000 }, () => {
    assert.deepEqual(parseEnvFile('# note\n\nA=1\nB_2=x/y:z\nC=\n'), { A: '1', B_2: 'x/y:z', C: '' });
  });

  test('refuses what compose and this reader could read differently', { timeout: 5_000 }, () => {
    for (const line of ['A="quoted"', "A='q'", 'A=$(rm -rf /)', 'A=`id`', 'A=${B}', 'export A=1', 'A = 1', 'A=1 # note', 'a=1', 'A=x y']) {
      assert.throws(() => parseEnvFile(line), /expected KEY=VALUE/, line);
    }
    assert.throws(() => parseEnvFile('A=1\nA=2'), /A is set twice/);
  });

  test('a settings file missing a key is an error naming it', { timeout: 5_000 }, () => {
    const dir = mkdtempSync(join(tmpdir(), 'phoenix-deploy-env-'));
    try {
      writeFileSync(join(dir, 'temporal.env'), 'DB=postgres12\n');
      assert.throws(() => readDeploySettings(join(dir, 'temporal.env')), /missing DB_PORT, POSTGRES_USER/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
