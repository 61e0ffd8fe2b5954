/**
 * Records a workflow run's history for the replay test (test/temporal/replay.test.ts):
 *
 *   npx tsx test/temporal/record-history.ts --address 127.0.0.1:7233 --workflow-id ID --name provision-lxc
 *
 * writes test/temporal/histories/<name>.binpb. The binary protobuf form is used
 * rather than `temporal workflow show -o json` because the SDK's JSON history
 * parser (historyFromJSON) breaks when npm installs two protobufjs 8 copies, as
 * it does here (grpc-js keeps protobufjs 7 at the top of node_modules).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { temporal } from '@temporalio/proto';
import type { Client } from '@temporalio/client';
import { connectClient } from '../../src/temporal/connection';

export const HISTORIES_DIR = join(__dirname, 'histories');

export async function recordHistory(options: { address?: string; namespace?: string; workflowId: string; runId?: string; name: string }): Promise<string> {
  const client = await connectClient({ address: options.address, namespace: options.namespace });
  try {
    return await writeHistory(client, options.workflowId, options.name, options.runId);
  } finally {
    await client.connection.close();
  }
}

/** Writes the history of one run (the latest of `workflowId` unless `runId`) as `<name>.binpb`. */
export async function writeHistory(client: Client, workflowId: string, name: string, runId?: string): Promise<string> {
  if (!/^[a-z0-9][a-z0-9-]*$/.test(name)) throw new Error(`--name must be kebab-case, got ${JSON.stringify(name)}`);
  const history = await client.workflow.getHandle(workflowId, runId).fetchHistory();
  const file = join(HISTORIES_DIR, `${name}.binpb`);
  writeFileSync(file, temporal.api.history.v1.History.encode(history).finish());
  return file;
}

if (require.main === module) {
  const { values } = parseArgs({
    options: {
      address: { type: 'string' },
      namespace: { type: 'string' },
      'workflow-id': { type: 'string' },
      'run-id': { type: 'string' },
      name: { type: 'string' },
    },
  });
  if (!values['workflow-id'] || !values.name) {
    console.error('usage: record-history.ts [--address HOST:PORT] [--namespace NS] --workflow-id ID [--run-id RUN] --name NAME');
    process.exit(2);
  }
  recordHistory({ ...values, workflowId: values['workflow-id'], runId: values['run-id'], name: values.name }).then(
    (file) => console.log(`wrote ${file}`),
    (error: unknown) => {
      console.error(error instanceof Error ? error.message : error);
      process.exit(1);
    },
  );
}
