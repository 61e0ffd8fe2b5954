import { parseDocument } from 'yaml';

/**
 * Reads user-data YAML the way cloud-init does: cloud-init calls PyYAML's `safe_load`, which is
 * YAML 1.1 (anchors, aliases and `<<` merge keys accepted; `yes`/`no` are booleans; `0755` is an
 * octal integer; a repeated key keeps its last value), one document only, and refuses tags it
 * has no constructor for. The `yaml` package in its YAML 1.1 mode reads the same language.
 */
export type YamlValue = string | number | boolean | null | YamlValue[] | { [key: string]: YamlValue };

export class YamlError extends Error {}

export function readUserDataYaml(source: string): YamlValue {
  const doc = parseDocument(source, { version: '1.1', merge: true, uniqueKeys: false, prettyErrors: true });
  // Warnings include unresolved tags (`!!python/object`), which PyYAML's safe loader refuses.
  const problem = doc.errors[0] ?? doc.warnings[0];
  if (problem) throw new YamlError(problem.message);
  try {
    return doc.toJS({ maxAliasCount: 1000 }) as YamlValue;
  } catch (e) {
    // An alias to an anchor never set, or alias expansion past the limit (a "billion laughs").
    throw new YamlError(e instanceof Error ? e.message : String(e));
  }
}
