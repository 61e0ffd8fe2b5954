// Writes config/schema/<file>.schema.json from the zod schemas in src/config/schema.
// Run after changing a schema: npx tsx scripts/gen-schema.ts
// (test/config/json-schema.test.ts fails while the committed files are out of date.)
import { writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { CONFIG_FILES, schemaFileName, type ConfigFileKind } from '../src/config/files';
import { configJsonSchemaText } from '../src/config/json-schema';

const outDir = join(__dirname, '..', 'config', 'schema');
mkdirSync(outDir, { recursive: true });
for (const kind of Object.keys(CONFIG_FILES) as ConfigFileKind[]) {
  const path = join(outDir, schemaFileName(kind));
  writeFileSync(path, configJsonSchemaText(kind));
  console.log(`wrote ${path}`);
}
