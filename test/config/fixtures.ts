// Helpers for config tests: temp copies of the shipped config that a test can break on purpose.
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { CONFIG_FILES, type ConfigFileKind } from '../../src/config';

export const REPO_ROOT = resolve(__dirname, '..', '..');
export const SHIPPED_CONFIG_DIR = join(REPO_ROOT, 'config');
export const UPSTREAM_CONFIG_DIR = '/work/shared/reference/upstream-configs';

type Json = any;

/** A temp folder holding a copy of the shipped config; `remove()` in `after`/`finally`. */
export class ConfigFixture {
  readonly dir = mkdtempSync(join(tmpdir(), 'phoenix-config-'));

  constructor(from: string = SHIPPED_CONFIG_DIR) {
    for (const name of Object.values(CONFIG_FILES)) cpSync(join(from, name), join(this.dir, name));
  }

  read(kind: ConfigFileKind): Json {
    return JSON.parse(readFileSync(join(this.dir, CONFIG_FILES[kind]), 'utf8'));
  }

  /** Change one file's JSON in place. */
  edit(kind: ConfigFileKind, change: (json: Json) => void): this {
    const json = this.read(kind);
    change(json);
    return this.writeText(kind, JSON.stringify(json, null, 2));
  }

  writeText(kind: ConfigFileKind, text: string): this {
    writeFileSync(join(this.dir, CONFIG_FILES[kind]), text);
    return this;
  }

  delete(kind: ConfigFileKind): this {
    rmSync(join(this.dir, CONFIG_FILES[kind]));
    return this;
  }

  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}
