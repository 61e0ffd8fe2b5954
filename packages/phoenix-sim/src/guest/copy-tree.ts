import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdir, rm } from 'node:fs/promises';
import { dirname } from 'node:path';

const run = promisify(execFile);

/**
 * Copies a guest tree with cp -a: keeps modes, owners, symlinks and special files, and shares
 * blocks where the filesystem can (--reflink=auto), so snapshots of a large root stay cheap on
 * btrfs/xfs and are plain copies elsewhere. No hard links: a later write must never show through.
 */
export async function copyTree(from: string, to: string): Promise<void> {
  await rm(to, { recursive: true, force: true });
  await mkdir(dirname(to), { recursive: true });
  await run('cp', ['-a', '--reflink=auto', '--', from, to]);
}
