import type { ServerResponse } from 'node:http';
import { PveError } from '../state/errors';

/**
 * PVE's wire format (pve-http-server): `{"data": ...}` with the content type
 * `application/json;charset=UTF-8` exactly (proxmox-api compares the string),
 * errors with the first line of the message as reason phrase, a `message`
 * field in the body only from pve-http-server 5.2 (PVE 9), `Connection: close`
 * on errors.
 */
export const JSON_TYPE = 'application/json;charset=UTF-8';
export type PveVersion = '8.2' | '9.0';

/** A list result that carries PVE's top-level `total` next to `data`. */
export class WithTotal {
  constructor(
    readonly data: unknown,
    readonly total: number,
  ) {}
}

const BASE_HEADERS = { Server: 'pve-api-daemon/3.0', 'Cache-Control': 'max-age=0', Pragma: 'no-cache' };

/** Reason phrases cannot hold control characters; PVE uses the first line. */
function reason(message: string): string {
  return (message.split('\n')[0] ?? '').replace(/[^\x20-\x7e\x80-\xff]/g, ' ').slice(0, 512) || 'Error';
}

export function sendData(res: ServerResponse, result: unknown): void {
  const body = result instanceof WithTotal ? { data: result.data, total: result.total } : { data: result === undefined ? null : result };
  const text = JSON.stringify(body);
  res.writeHead(200, 'OK', { ...BASE_HEADERS, 'Content-Type': JSON_TYPE, 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

export function sendError(res: ServerResponse, err: PveError, version: PveVersion): void {
  if (err.status === 401) {
    // Authentication failures: no body, no content type (AnyEvent.pm).
    res.writeHead(401, reason(err.message), { ...BASE_HEADERS, Connection: 'close', 'Content-Length': 0 });
    res.end();
    return;
  }
  if (err.status === 501) {
    // Low-level errors have no content type; since pve-http-server 5.2 the body is the message.
    const text = version === '9.0' ? err.message : '';
    res.writeHead(501, reason(err.message), { ...BASE_HEADERS, Connection: 'close', 'Content-Length': Buffer.byteLength(text) });
    res.end(text);
    return;
  }
  const body: Record<string, unknown> = { data: null };
  if (err.errors) body.errors = err.errors;
  if (version === '9.0') body.message = err.message.endsWith('\n') ? err.message : `${err.message}\n`;
  const text = JSON.stringify(body);
  res.writeHead(err.status, reason(err.message), { ...BASE_HEADERS, 'Content-Type': JSON_TYPE, Connection: 'close', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

/** Plain JSON for the simulator's own `/sim/*` controls (not PVE's envelope rules). */
export function sendSimJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}
