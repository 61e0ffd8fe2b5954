// /nodes/{node}/storage: storages and their content (container templates, ISO, snippets).
import { apiPath, type PveHttp } from './transport';

export type StorageContentType = 'vztmpl' | 'iso' | 'images' | 'rootdir' | 'backup' | 'snippets' | 'import';

export interface StorageInfo {
  storage: string;
  type: string;
  /** Comma list, e.g. `images,rootdir`. */
  content: string;
  active?: number;
  enabled?: number;
  shared?: number;
  total?: number;
  used?: number;
  avail?: number;
}

export interface StorageContentItem {
  volid: string;
  content: StorageContentType | string;
  format?: string;
  size?: number;
  ctime?: number;
  vmid?: number;
}

export function createStorageClient(http: PveHttp) {
  const list = (node: string, filter: { content?: StorageContentType; enabled?: boolean } = {}) =>
    http.get<StorageInfo[]>(apiPath('nodes', node, 'storage'), { content: filter.content, enabled: filter.enabled ? 1 : undefined });

  const content = (node: string, storage: string, type?: StorageContentType) =>
    http.get<StorageContentItem[]>(apiPath('nodes', node, 'storage', storage, 'content'), { content: type });

  /**
   * Finds a container template by file name (`debian-12-standard_12.7-1_amd64.tar.zst`)
   * on any enabled storage of `node` holding `vztmpl` content; returns its volid.
   */
  async function findTemplate(node: string, fileName: string): Promise<string | undefined> {
    const storages = await list(node, { content: 'vztmpl', enabled: true });
    for (const s of storages) {
      const items = await content(node, s.storage, 'vztmpl');
      const hit = items.find((i) => i.volid.endsWith(`:vztmpl/${fileName}`));
      if (hit) return hit.volid;
    }
    return undefined;
  }

  return { list, content, findTemplate };
}
