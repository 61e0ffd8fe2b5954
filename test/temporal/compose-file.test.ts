// docker-compose.temporal.yml cannot be run here (no Docker engine), so its
// structure is checked instead: the services and their wiring, named volumes,
// health checks, and that no secret is written into it.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { msToNumber } from '@temporalio/common/lib/time';
import { PHOENIX_SEARCH_ATTRIBUTES } from '../../src/shared/search-attributes';
import { REPO_ROOT } from '../../src/temporal/temporal-binary';
import { parse } from 'yaml';

type YamlValue = string | number | boolean | null | YamlValue[] | { [key: string]: YamlValue };

type Mapping = { [key: string]: YamlValue };

function mapping(value: YamlValue | undefined, what: string): Mapping {
  assert.ok(value !== null && typeof value === 'object' && !Array.isArray(value), `${what} is a mapping`);
  return value;
}

const composeText = readFileSync(join(REPO_ROOT, 'docker-compose.temporal.yml'), 'utf8');
const compose = mapping(parse(composeText) as YamlValue, 'the compose file');
const services = mapping(compose.services, 'services');
const service = (name: string): Mapping => mapping(services[name], `service ${name}`);
const environment = (name: string): Mapping => mapping(service(name).environment, `${name}.environment`);

describe('docker-compose.temporal.yml', () => {
  test('has PostgreSQL, the Temporal server, its Web UI and the Phoenix worker', () => {
    for (const name of ['postgresql', 'temporal', 'temporal-ui', 'phoenix-worker']) assert.ok(services[name], name);
    assert.match(String(service('postgresql').image), /^postgres:\d+/);
    assert.match(String(service('temporal').image), /^temporalio\/server:/);
    assert.match(String(service('temporal-ui').image), /^temporalio\/ui:/);
    // The server's settings come from deploy/temporal.env (test/prod/shared-config.test.ts checks the values).
    assert.equal(service('temporal').env_file, 'deploy/temporal.env');
  });

  test('keeps the database in a named volume', () => {
    const volumes = mapping(compose.volumes, 'top-level volumes');
    const mounts = service('postgresql').volumes as string[];
    assert.ok(Array.isArray(mounts) && mounts.length > 0, 'postgresql mounts a volume');
    for (const mount of mounts) {
      const [source, target] = mount.split(':');
      assert.ok(target, `${mount} names a source: an anonymous volume would be lost on \`down\``);
      assert.ok(source! in volumes, `${source} is a declared named volume`);
      assert.equal(mapping(volumes[source!], source!).name, `phoenix-${source}`, 'the volume has a stable name');
    }
  });

  test('every long-running service has a health check', () => {
    for (const name of ['postgresql', 'temporal', 'temporal-ui', 'phoenix-worker']) {
      const check = mapping(service(name).healthcheck, `${name}.healthcheck`);
      assert.ok(Array.isArray(check.test) && /^CMD(-SHELL)?$/.test(String(check.test[0])), `${name} healthcheck.test`);
      assert.match(String(check.interval), /^\d+s$/, `${name} healthcheck.interval`);
      assert.ok(typeof check.retries === 'number' && check.retries > 0, `${name} healthcheck.retries`);
    }
  });

  test('start-up is ordered by health, not by container start', () => {
    const dependsOn = (name: string, on: string) => mapping(mapping(service(name).depends_on, `${name}.depends_on`)[on], `${name} -> ${on}`);
    assert.equal(dependsOn('phoenix-worker', 'temporal').condition, 'service_healthy');
    assert.equal(dependsOn('phoenix-worker', 'temporal-setup').condition, 'service_completed_successfully');
    assert.equal(dependsOn('temporal', 'temporal-schema').condition, 'service_completed_successfully');
    assert.equal(dependsOn('temporal-schema', 'postgresql').condition, 'service_healthy');
    assert.equal(dependsOn('temporal-ui', 'temporal').condition, 'service_healthy');
  });

  test('registers exactly the search attributes the workflows use', () => {
    const script = (service('temporal-setup').command as string[]).join('\n');
    const loop = /for name in ([A-Za-z ]+); do/.exec(script);
    assert.ok(loop, 'temporal-setup loops over the search attribute names');
    assert.deepEqual(loop[1]!.trim().split(/\s+/).sort(), PHOENIX_SEARCH_ATTRIBUTES.map((key) => key.name).sort());
    assert.match(script, /--type Keyword/);
  });

  test('builds the worker from the Dockerfile and points it at the Temporal service', () => {
    const build = mapping(service('phoenix-worker').build, 'phoenix-worker.build');
    assert.equal(build.dockerfile, 'Dockerfile');
    const dockerfile = readFileSync(join(REPO_ROOT, String(build.dockerfile)), 'utf8');
    assert.match(dockerfile, /^FROM node:20-bookworm-slim\b/m);
    assert.match(dockerfile, /RUN npm ci\b/);
    assert.match(dockerfile, /ENTRYPOINT \["node", "dist\/worker\.js"\]/);

    const env = environment('phoenix-worker');
    assert.equal(env.TEMPORAL_ADDRESS, 'temporal:7233');
    assert.ok(env.PHOENIX_TASK_QUEUE, 'PHOENIX_TASK_QUEUE is set');
    const stopGrace = msToNumber(String(service('phoenix-worker').stop_grace_period) as '1s');
    assert.ok(stopGrace > msToNumber(String(env.PHOENIX_SHUTDOWN_FORCE) as '1s'), 'docker waits longer than the worker force time');
  });

  test('holds no secret: passwords are interpolated, credentials are file-backed secrets', () => {
    const secretName = /PASSWORD|PWD|SECRET|TOKEN|API_KEY|PRIVATE|SSH_KEY/i;
    for (const [name, value] of Object.entries(services)) {
      const env = mapping(value, name).environment;
      if (env === undefined) continue;
      for (const [key, setting] of Object.entries(mapping(env, `${name}.environment`))) {
        if (!secretName.test(key)) continue;
        const text = String(setting);
        const interpolated = /^\$\{[A-Z_]+:\?[^}]*\}$/.test(text); // required, from .env or the shell
        const fileReference = key.endsWith('_FILE') && text.startsWith('/run/secrets/');
        assert.ok(interpolated || fileReference, `${name}.environment.${key} must not hold a literal secret (${text})`);
      }
    }
    for (const [name, secret] of Object.entries(mapping(compose.secrets, 'top-level secrets'))) {
      assert.ok(mapping(secret, name).file, `secret ${name} is read from a file`);
    }
    assert.doesNotMatch(composeText, /BEGIN [A-Z ]*PRIVATE KEY|PVEAPIToken=/);
  });
});

describe('the compose file reader (the test above relies on it)', () => {
  test('reads sequences of mappings, anchors and flow mappings, as compose does', () => {
    const parsed = parse(['x: &port {published: 1}', 'a:', '  - b: 1', '    c: *port', '  - plain'].join('\n'));
    assert.deepEqual(parsed, { x: { published: 1 }, a: [{ b: 1, c: { published: 1 } }, 'plain'] });
  });

  test('refuses a repeated key instead of silently keeping one', () => {
    assert.throws(() => parse('a: 1\na: 2'), /unique/);
  });
});
