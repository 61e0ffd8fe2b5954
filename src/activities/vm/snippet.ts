/**
 * The generated user-data snippet on the host's snippets storage. Its path comes from PVE
 * itself (`pvesm path <volid>`), so any `dir` storage with `snippets` content works; it is
 * written over SSH (shell-free `cat > <quoted path>`) only when its content differs.
 */
import { dirname } from 'node:path';
import type { HostSession } from '../common/provisioning-deps';
import { permanent } from '../common/classify';

export interface SnippetResult {
  volid: string;
  written: boolean;
}

export async function ensureSnippet(host: HostSession, storage: string, file: string, content: string): Promise<SnippetResult> {
  const volid = `${storage}:snippets/${file}`;
  const located = await host.run.exec(['pvesm', 'path', volid], { idempotent: true });
  const path = located.stdout.trim();
  if (located.code !== 0 || !path.startsWith('/')) {
    throw permanent(
      `cannot place the cloud-init snippet ${volid}: \`pvesm path\` said ${JSON.stringify((located.stderr || located.stdout).trim())}; ` +
        `choose a 'dir' storage with 'snippets' content (pvesm set ${storage} --content ...,snippets)`,
      'PhoenixBadSnippetStorage',
    );
  }
  const current = await host.run.exec(['cat', path], { idempotent: true });
  if (current.code === 0 && current.stdout === content) return { volid, written: false };
  await host.run.execChecked(['mkdir', '-p', dirname(path)], { idempotent: true });
  await host.run.writeFile(path, content);
  return { volid, written: true };
}
