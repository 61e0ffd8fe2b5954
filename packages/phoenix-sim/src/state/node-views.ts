import { createHash } from 'node:crypto';
import { copyFileSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname } from 'node:path';
import { TaskError, fail, paramError } from './errors';
import type { SimState } from './index';
import type { TaskHandle } from './tasks';
import type { OpContext } from './types';

/**
 * Node- and cluster-level views of a standalone PVE host: `/cluster/status`, `/storage`
 * (storage.cfg), a storage's status, the node's network config, and `download-url`
 * (a `download` task that places the file without fetching anything: the simulator
 * never leaves loopback).
 */
export function clusterStatus(state: SimState): Array<Record<string, unknown>> {
  return state.nodes.map((name, i) => ({ id: `node/${name}`, name, type: 'node', ip: '127.0.0.1', level: '', local: i === 0 ? 1 : 0, nodeid: 0, online: 1 }));
}

export function storageConfigs(state: SimState, type?: string): Array<Record<string, unknown>> {
  return state.storages.all()
    .filter((s) => !type || s.type === type)
    .map((s) => {
      const entry: Record<string, unknown> = { storage: s.id, type: s.type, content: s.content, digest: createHash('sha1').update(JSON.stringify(s)).digest('hex') };
      if (s.path) entry.path = s.path;
      if (s.pool) entry.pool = s.pool;
      if (s.type === 'zfspool') entry.sparse = 1;
      if (s.nodes) entry.nodes = s.nodes.join(',');
      if (s.shared) entry.shared = 1;
      return entry;
    });
}

export function storageStatus(state: SimState, node: string, storage: string): Record<string, unknown> {
  state.cluster.requireNode(node);
  const spec = state.storages.onNode(storage, node);
  if (!spec) throw fail(`storage '${storage}' does not exist`);
  const st = state.storages.status(spec);
  return { type: spec.type, content: spec.content, active: 1, enabled: 1, shared: spec.shared ? 1 : 0, total: st.total, used: st.used, avail: st.avail };
}

export function network(state: SimState, node: string, type?: string): Array<Record<string, unknown>> {
  state.cluster.requireNode(node);
  const all: Array<Record<string, unknown>> = [
    { iface: 'lo', type: 'loopback', method: 'loopback', method6: 'manual', families: ['inet'], autostart: 1, active: 1, priority: 3 },
    { iface: 'eno1', type: 'eth', method: 'manual', method6: 'manual', families: ['inet'], exists: 1, active: 1, priority: 4 },
    { iface: 'vmbr0', type: 'bridge', method: 'static', method6: 'manual', families: ['inet'], autostart: 1, active: 1, bridge_ports: 'eno1', bridge_stp: 'off', bridge_fd: '0', address: '192.168.100.2', netmask: '24', cidr: '192.168.100.2/24', gateway: '192.168.100.1', priority: 5 },
  ];
  if (!type) return all;
  if (type === 'any_bridge') return all.filter((i) => i.type === 'bridge' || i.type === 'OVSBridge');
  return all.filter((i) => i.type === type);
}

/** `POST storage/{storage}/download-url`: checks content and name, then a `download` task writes the file. */
export function downloadUrl(state: SimState, op: OpContext, node: string, storage: string, params: { url: string; filename: string; content: string }): TaskHandle {
  state.cluster.requireNode(node);
  const spec = state.storages.onNode(storage, node);
  if (!spec) throw fail(`storage '${storage}' does not exist`);
  if (!state.storages.hasContent(spec, params.content)) throw fail(`storage '${storage}' does not support '${params.content}' content`);
  const volid = `${storage}:${params.content}/${params.filename}`;
  const file = state.storages.filePath(volid);
  if (!file) throw fail(`unable to parse volume ID '${volid}'`);
  return state.tasks.start({
    node,
    type: 'download',
    id: storage,
    user: op.user,
    run: async (t) => {
      t.log(`downloading ${params.url} to ${file.path}`);
      await t.work(500);
      state.storages.addFile(storage, `${params.content}/${params.filename}`, `phoenix-sim placeholder for ${params.url}\n`);
      t.log('download of file finished');
      state.ledger.record('storage.download', { node, storage, volid, url: params.url, via: op.via, upid: t.upid });
    },
  });
}

/** `POST storage/{storage}/upload`: the file pve-http-server stored in /var/tmp becomes `<content>/<filename>` in an `imgcopy` task. */
export function upload(state: SimState, op: OpContext, node: string, storage: string, p: { content: string; filename: string; tmpfilename?: string; checksum?: string; algorithm?: string }): TaskHandle {
  state.cluster.requireNode(node);
  const spec = state.storages.onNode(storage, node);
  if (!spec) throw fail(`storage '${storage}' does not exist`);
  if (!state.storages.hasContent(spec, p.content)) throw fail(`storage '${storage}' does not support '${p.content}' content`);
  const ext = p.content === 'iso' ? /[^/]+\.(?:iso|img)$/i : /[^/]+\.tar\.(gz|xz|zst|bz2)$/i;
  if (!ext.test(p.filename)) throw paramError({ filename: 'wrong file extension' });
  if (!p.tmpfilename) throw fail('missing temporary file');
  const tmp = state.hostPath(p.tmpfilename);
  const volid = `${storage}:${p.content}/${p.filename}`;
  const target = state.storages.filePath(volid);
  if (!target) throw fail(`unable to parse volume ID '${volid}'`);
  return state.tasks.start({
    node,
    type: 'imgcopy',
    id: '',
    user: op.user,
    run: async (t) => {
      try {
        if (p.checksum && p.algorithm) {
          const got = createHash(p.algorithm).update(readFileSync(tmp)).digest('hex');
          if (got !== p.checksum.toLowerCase()) throw new TaskError(`checksum mismatch: got '${got}' != expect '${p.checksum}'`);
          t.log(`calculating checksum of uploaded file...OK, checksum verified`);
        }
        t.log(`starting file import from: ${p.tmpfilename}`);
        t.log(`target file: ${target.path}`);
        const real = state.hostPath(target.path);
        mkdirSync(dirname(real), { recursive: true });
        copyFileSync(tmp, real);
        t.log(`file size is: ${readFileSync(real).length}`);
        state.ledger.record('storage.upload', { node, storage, volid, via: op.via, upid: t.upid });
      } finally {
        rmSync(tmp, { force: true });
      }
    },
  });
}
