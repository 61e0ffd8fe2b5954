import type { IncomingMessage } from 'node:http';
import { PveError } from '../state/errors';
import type { Params } from '../state/types';

/**
 * Request parameters as pve-http-server reads them: a form body split on `&`
 * and `;` with `+` as space and repeated keys as arrays, or a JSON body; query
 * parameters merged in and overriding the body.
 */
const MAX_BODY = 64 * 1024 * 1024;

function decode(s: string): string {
  try {
    return decodeURIComponent(s.replace(/\+/g, ' '));
  } catch {
    return s;
  }
}

function add(params: Params, key: string, value: string): void {
  const prev = params[key];
  if (prev === undefined) params[key] = value;
  else params[key] = Array.isArray(prev) ? [...prev, value] : [prev, value];
}

export function parseFormEncoded(text: string, into: Params = {}): Params {
  for (const pair of text.split(/[&;]/)) {
    if (pair === '') continue;
    const eq = pair.indexOf('=');
    const key = decode(eq < 0 ? pair : pair.slice(0, eq));
    const value = eq < 0 ? '' : decode(pair.slice(eq + 1));
    add(into, key, value);
  }
  return into;
}

export function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) {
        reject(new PveError(413, 'request too large'));
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

export function bodyParams(body: Buffer, contentType: string | undefined): Params {
  if (body.length === 0) return {};
  const ct = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  if (ct === 'application/json') {
    let parsed: unknown;
    try {
      parsed = JSON.parse(body.toString('utf8'));
    } catch {
      throw new PveError(400, 'unable to parse JSON body');
    }
    const out: Params = {};
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) {
      for (const [k, v] of Object.entries(parsed as Record<string, unknown>)) {
        if (v === null || v === undefined) continue;
        out[k] = Array.isArray(v) ? v.map((x) => jsonScalar(x)) : jsonScalar(v);
      }
    }
    return out;
  }
  return parseFormEncoded(body.toString('utf8'));
}

function jsonScalar(v: unknown): string {
  if (typeof v === 'boolean') return v ? '1' : '0';
  return typeof v === 'object' ? JSON.stringify(v) : String(v);
}
