import type { Connection } from '@temporalio/client';
import type { SearchAttributeType } from '@temporalio/common';
import { encodeSearchAttributeIndexedValueType } from '@temporalio/common/lib/search-attributes';
import { setTimeout as sleep } from 'node:timers/promises';
import { PHOENIX_SEARCH_ATTRIBUTES } from '../shared/search-attributes';

/**
 * Registers Phoenix's custom search attributes on a self-hosted cluster (the dev
 * server gets them as start-up flags; see dev-server.ts). Idempotent: attributes
 * already present with the right type are left alone; one present with another
 * type is an error, since the server cannot change it in place.
 *
 * Temporal Cloud refuses this operator call: create the attributes there with
 * `tcld namespace search-attributes add` or in the Cloud UI.
 */
export interface SearchAttributeRegistration {
  added: string[];
  alreadyPresent: string[];
}

export class SearchAttributeConflictError extends Error {
  override name = 'SearchAttributeConflictError';
}

const VISIBLE_TIMEOUT_MS = 15_000;

export async function ensurePhoenixSearchAttributes(
  connection: Connection,
  namespace: string,
  keys: ReadonlyArray<{ name: string; type: SearchAttributeType }> = PHOENIX_SEARCH_ATTRIBUTES,
): Promise<SearchAttributeRegistration> {
  const existing = await customAttributes(connection, namespace);
  const missing: Record<string, number> = {};
  const alreadyPresent: string[] = [];
  for (const { name, type } of keys) {
    const wanted = encodeSearchAttributeIndexedValueType(type) as number; // defined for every SearchAttributeType
    const present = existing[name];
    if (present === undefined) missing[name] = wanted;
    else if (present === wanted) alreadyPresent.push(name);
    else {
      throw new SearchAttributeConflictError(
        `search attribute ${name} exists in namespace ${namespace} with another type (${present}); Phoenix needs ${type}. ` +
          'Remove it (temporal operator search-attribute remove) or use another namespace.',
      );
    }
  }
  const added = Object.keys(missing);
  if (added.length > 0) {
    await connection.operatorService.addSearchAttributes({ namespace, searchAttributes: missing });
    await waitUntilVisible(connection, namespace, added);
  }
  return { added, alreadyPresent };
}

async function customAttributes(connection: Connection, namespace: string): Promise<Record<string, number>> {
  const { customAttributes } = await connection.operatorService.listSearchAttributes({ namespace });
  return (customAttributes ?? {}) as Record<string, number>;
}

// The frontend caches search attributes; workflows started before the cache
// refreshes would be rejected, so return only once the new ones are listed.
async function waitUntilVisible(connection: Connection, namespace: string, names: string[]): Promise<void> {
  const deadline = Date.now() + VISIBLE_TIMEOUT_MS;
  for (let delay = 100; ; delay = Math.min(delay * 2, 1_000)) {
    const existing = await customAttributes(connection, namespace);
    if (names.every((name) => name in existing)) return;
    if (Date.now() > deadline) throw new Error(`search attributes ${names.join(', ')} not visible after ${VISIBLE_TIMEOUT_MS} ms`);
    await sleep(delay);
  }
}
