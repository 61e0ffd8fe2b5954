// Registering Phoenix's search attributes on a cluster that lacks them (a
// self-hosted server), against a real dev server started without them.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Connection } from '@temporalio/client';
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import { startDevServer, type DevServer } from '../../src/temporal/dev-server';
import {
  ensurePhoenixSearchAttributes,
  SearchAttributeConflictError,
} from '../../src/temporal/search-attribute-registration';
import { PHOENIX_SEARCH_ATTRIBUTES } from '../../src/shared/search-attributes';

describe('ensurePhoenixSearchAttributes', () => {
  let server: DevServer;
  let connection: Connection;
  const names = PHOENIX_SEARCH_ATTRIBUTES.map((key) => key.name).sort();

  before(async () => {
    server = await startDevServer({ uiPort: false, searchAttributes: false });
    connection = await Connection.connect({ address: server.address });
  });

  after(async () => {
    await connection?.close();
    await server?.stop();
  });

  test('adds the missing attributes, then finds them present on a second run', async () => {
    const before = await connection.operatorService.listSearchAttributes({ namespace: server.namespace });
    assert.deepEqual(Object.keys(before.customAttributes ?? {}).filter((name) => name.startsWith('Phoenix')), []);

    const first = await ensurePhoenixSearchAttributes(connection, server.namespace);
    assert.deepEqual([...first.added].sort(), names);
    assert.deepEqual(first.alreadyPresent, []);

    const second = await ensurePhoenixSearchAttributes(connection, server.namespace);
    assert.deepEqual(second.added, []);
    assert.deepEqual([...second.alreadyPresent].sort(), names);
  });

  test('refuses an attribute registered with another type, naming it', async () => {
    const wrongType = defineSearchAttributeKey('PhoenixId', SearchAttributeType.INT);
    await assert.rejects(
      ensurePhoenixSearchAttributes(connection, server.namespace, [wrongType]),
      (error: unknown) => error instanceof SearchAttributeConflictError && /PhoenixId .* Phoenix needs INT/.test(error.message),
    );
  });
});
