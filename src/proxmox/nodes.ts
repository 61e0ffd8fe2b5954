// /nodes and /version.
import { apiPath, type PveHttp } from './transport';

export interface NodeInfo {
  node: string;
  status: 'online' | 'offline' | 'unknown';
  cpu?: number;
  maxcpu?: number;
  mem?: number;
  maxmem?: number;
  uptime?: number;
  ssl_fingerprint?: string;
}

export interface PveVersion {
  version: string;
  release: string;
  repoid?: string;
}

export function createNodeClient(http: PveHttp) {
  const list = () => http.get<NodeInfo[]>(apiPath('nodes'));
  const version = () => http.get<PveVersion>(apiPath('version'));
  const status = (node: string) => http.get<Record<string, unknown>>(apiPath('nodes', node, 'status'));
  return { list, version, status };
}
