import { createServer, type Server } from 'node:https';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { PveError, fail, notImplemented } from '../state/errors';
import { FlockTable } from '../state/flocks';
import type { SimState } from '../state';
import type { FaultSpec } from '../state/faults';
import type { Params } from '../state/types';
import { Authenticator, type AuthResult } from './auth';
import type { Credentials } from './credentials';
import { bodyParams, parseFormEncoded, readBody } from './params';
import { Router } from './router';
import { accessRoutes } from './routes/access';
import { clusterRoutes } from './routes/cluster';
import { lxcRoutes } from './routes/lxc';
import { qemuRoutes } from './routes/qemu';
import { handleSimControl } from './sim-controls';
import { sendData, sendError, type PveVersion } from './wire';
import { validatorFor, type SchemaValidator } from '../pve-schema';
import { dispatch } from './dispatch';
import { multipartParams } from './multipart';

/**
 * The HTTPS front of phoenix-sim: PVE's request handling order —
 * route (501 if none), authenticate (401, delayed), parameters, handler —
 * with injected faults applied between authentication and the handler.
 */
export interface ApiServerOptions {
  state: SimState;
  credentials: Credentials;
  tls: { certPem: string; keyPem: string; caPem: string };
  pveVersion: PveVersion;
}

const API_PREFIX = '/api2/json';

export function buildRouter(auth: Authenticator, pveVersion: PveVersion): Router {
  return new Router().add(accessRoutes(auth)).add(clusterRoutes(pveVersion)).add(lxcRoutes).add(qemuRoutes);
}

/** Every route must have its release's schema (regenerate with scripts/gen-pve-schema.ts). */
function checkSchemaCoverage(router: Router, schema: SchemaValidator): void {
  const missing = router.routes().filter((r) => !schema.endpoint(r.method, r.path) && !schema.file.absent.includes(`${r.method} ${r.path}`));
  if (missing.length) throw new Error(`phoenix-sim: no PVE ${schema.release} schema for ${missing.map((r) => `${r.method} ${r.path}`).join(', ')}; run scripts/gen-pve-schema.ts`);
}

export function createApiServer(opts: ApiServerOptions): Server {
  const auth = new Authenticator(opts.credentials, opts.pveVersion);
  const router = buildRouter(auth, opts.pveVersion);
  const schema = validatorFor(opts.pveVersion);
  checkSchemaCoverage(router, schema);
  // Sending the CA after the node certificate lets clients pin either of them.
  const server = createServer({ cert: opts.tls.certPem + opts.tls.caPem, key: opts.tls.keyPem, keepAliveTimeout: 5000 }, (req, res) => {
    handle(opts, auth, router, schema, req, res).catch((err) => {
      if (!res.headersSent) sendError(res, fail((err as Error).message ?? String(err)), opts.pveVersion);
      else res.destroy();
    });
  });
  return server;
}

async function handle(opts: ApiServerOptions, auth: Authenticator, router: Router, schema: SchemaValidator, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const started = Date.now();
  const url = new URL(req.url ?? '/', 'https://sim');
  const method = (req.method ?? 'GET').toUpperCase();
  if (url.pathname.startsWith('/sim/') || url.pathname === '/sim') return handleSimControl(opts.state, () => router.list(), req, res, url);

  const relPath = url.pathname.startsWith(`${API_PREFIX}/`) ? url.pathname.slice(API_PREFIX.length) : url.pathname;
  /** An upload's temporary file, removed when the request fails (as pve-http-server does). */
  let uploaded: string | undefined;
  try {
    const body = await readBody(req);
    if (!url.pathname.startsWith(`${API_PREFIX}/`)) throw notImplemented(method, url.pathname);
    const matched = router.match(method, relPath);
    if (!matched) throw notImplemented(method, relPath);
    if ((method === 'GET' || method === 'DELETE') && body.length) throw new PveError(501, `Unexpected content for method '${method}'`);

    let who: AuthResult = { user: 'root@pam', kind: 'ticket' };
    if (!matched.route.public) who = auth.authenticate(req);

    const fault = opts.state.faults.match('api', `${method} ${relPath}`);
    if (fault && (await applyFault(fault, relPath, opts, res, req))) return;

    const contentType = req.headers['content-type'] ?? '';
    const params: Params = /^multipart\/form-data/i.test(contentType)
      ? multipartParams(body, contentType, (hostPath, data) => {
          const real = opts.state.hostPath(hostPath);
          mkdirSync(dirname(real), { recursive: true });
          writeFileSync(real, data);
          uploaded = real;
        })
      : bodyParams(body, contentType);
    // Query parameters override body parameters of the same name.
    Object.assign(params, parseFormEncoded(url.search.slice(1)));
    const result = await dispatch(opts.state, schema, { user: who.user, via: 'api' }, method, relPath, matched, params);
    sendData(res, result);
  } catch (err) {
    if (uploaded) rmSync(uploaded, { force: true });
    const pveErr = err instanceof PveError ? err : fail(err instanceof Error ? err.message : String(err));
    if (pveErr.status === 401) {
      // PVE answers failed authentication only after 3 s (scaled here by timeScale).
      const wait = opts.state.clock.scaled(opts.state.durations.authFailure) - (Date.now() - started);
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    }
    sendError(res, pveErr, opts.pveVersion);
  }
}

/** Applies an `api` fault; true if the request has been answered (or dropped). */
async function applyFault(fault: FaultSpec, relPath: string, opts: ApiServerOptions, res: ServerResponse, req: IncomingMessage): Promise<boolean> {
  switch (fault.kind) {
    case 'reset':
      req.socket.destroy();
      return true;
    case 'slow':
      await new Promise((r) => setTimeout(r, fault.delayMs));
      return false;
    case 'http-error': {
      const status = fault.status ?? 500;
      sendError(res, new PveError(status, fault.message ?? (status === 503 ? 'Service Unavailable' : 'simulated internal error')), opts.pveVersion);
      return true;
    }
    case 'lock': {
      const m = /\/(lxc|qemu)\/(\d+)/.exec(relPath);
      const type = m?.[1] === 'qemu' ? 'qemu' : 'lxc';
      const vmid = Number(m?.[2] ?? 0);
      const message =
        !fault.lock || fault.lock === 'timeout' ? `can't lock file '${FlockTable.configLockFile(type, vmid)}' - got timeout` : `${type === 'qemu' ? 'VM' : 'CT'} is locked (${fault.lock})`;
      sendError(res, fail(message), opts.pveVersion);
      return true;
    }
    default:
      return false;
  }
}
