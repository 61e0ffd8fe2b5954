import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CONFIG_FILES, schemaFileName, type ConfigFileKind } from '../../src/config';
import { configJsonSchema, configJsonSchemaText } from '../../src/config/json-schema';
import { SHIPPED_CONFIG_DIR } from './fixtures';

const KINDS = Object.keys(CONFIG_FILES) as ConfigFileKind[];

describe('generated JSON Schema', () => {
  for (const kind of KINDS) {
    test(`config/schema/${schemaFileName(kind)} is up to date (else run: npx tsx scripts/gen-schema.ts)`, () => {
      const committed = readFileSync(join(SHIPPED_CONFIG_DIR, 'schema', schemaFileName(kind)), 'utf8');
      assert.equal(committed, configJsonSchemaText(kind));
    });

    test(`the shipped ${CONFIG_FILES[kind]} references its schema`, () => {
      const shipped = JSON.parse(readFileSync(join(SHIPPED_CONFIG_DIR, CONFIG_FILES[kind]), 'utf8')) as { $schema?: string };
      assert.equal(shipped.$schema, `./schema/${schemaFileName(kind)}`);
    });
  }

  test("the original's ignored keys are listed as deprecated, not rejected", () => {
    const lxc = configJsonSchema('lxc') as any;
    const entry = lxc.properties.lxc_configs.additionalProperties;
    assert.equal(entry.additionalProperties, false);
    assert.equal(entry.properties.firewall.deprecated, true);
    assert.match(entry.properties.firewall.description, /^Ignored by Phoenix: /);
    const hv = configJsonSchema('hypervisor') as any;
    assert.equal(hv.properties.shared_volumes.properties.firewall.deprecated, true);
  });
});
