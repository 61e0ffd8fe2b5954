/**
 * JSON Schema for editors, generated from the zod schemas (the single source of truth) by
 * `npx tsx scripts/gen-schema.ts` into config/schema/. It describes what a person writes (zod's input
 * side). Keys the original Phoenix carried and Phoenix ignores are listed as `deprecated`, so editors
 * strike them through instead of flagging the original's files as invalid.
 */
import { z } from 'zod';
import { IGNORED_KEYS } from './compat';
import { CONFIG_FILES, type ConfigFileKind } from './files';
import { FILE_SCHEMAS } from './parse';

type JsonSchemaNode = Record<string, unknown> & {
  properties?: Record<string, JsonSchemaNode>;
  additionalProperties?: JsonSchemaNode | boolean;
  items?: JsonSchemaNode;
};

const TITLES: Record<ConfigFileKind, string> = {
  lxc: 'Phoenix containers (phoenix_lxc_configs.json)',
  vm: 'Phoenix virtual machines (phoenix_vm_configs.json)',
  hypervisor: 'Phoenix hypervisor and connection (phoenix_hypervisor_config.json)',
};

export function configJsonSchema(kind: ConfigFileKind): Record<string, unknown> {
  const generated = z.toJSONSchema(FILE_SCHEMAS[kind], { io: 'input', target: 'draft-2020-12', unrepresentable: 'any' }) as JsonSchemaNode;
  const { $schema, ...body } = generated;
  const doc: JsonSchemaNode = { $schema, title: TITLES[kind], description: `Generated from src/config/schema by scripts/gen-schema.ts; do not edit. File: ${CONFIG_FILES[kind]}`, ...body };
  for (const ignored of IGNORED_KEYS) {
    if (ignored.file === kind) markIgnored(doc, ignored.path.split('.'), ignored.reason);
  }
  return doc;
}

function markIgnored(root: JsonSchemaNode, segments: string[], reason: string): void {
  let node: JsonSchemaNode | undefined = root;
  for (const seg of segments.slice(0, -1)) {
    if (!node) return;
    if (seg === '*') node = node.items ?? (typeof node.additionalProperties === 'object' ? node.additionalProperties : undefined);
    else node = node.properties?.[seg];
  }
  if (!node) throw new Error(`ignored key ${segments.join('.')} has no place in the generated schema`);
  node.properties ??= {};
  node.properties[segments[segments.length - 1]!] = { deprecated: true, description: `Ignored by Phoenix: ${reason}` };
}

/** The file content gen-schema writes, so the up-to-date test can compare byte for byte. */
export function configJsonSchemaText(kind: ConfigFileKind): string {
  return `${JSON.stringify(configJsonSchema(kind), null, 2)}\n`;
}
