// The one place that builds the proxmox-api client. Everything that talks HTTP to PVE
// goes through `PveHttp.request`, which
//   - authenticates with an API token or a root@pam ticket (secrets stay in this closure),
//   - always passes an explicit port (proxmox-api drops to 443 without one),
//   - verifies TLS through undici with a pinned CA / fingerprint (tls.ts),
//   - turns proxmox-api's plain Errors into the PveError taxonomy (errors.ts).
//
// proxmox-api retries any request once after a network error or timeout, POSTs included.
// A create/clone can therefore reach PVE twice; callers treat PveAlreadyExists on those
// paths as "maybe ours" and check (see containers.ts / vms.ts).
import { ProxmoxEngine, type ProxmoxEngineOptions } from 'proxmox-api';
import { fetch as undiciFetch } from 'undici';
import { classifyPveError, PveAuth, PveNetwork, PveUnavailable } from './errors';
import { createPinnedAgent, type PveTlsTrust } from './tls';

export type PveAuthOptions =
  /** `tokenId` like `root@pam!phoenix`; the secret is resolved by the caller from env/file. */
  | { kind: 'token'; tokenId: string; tokenSecret: string }
  /** Ticket login; needed for root-only API settings (bind mounts, devN, features) unless they go through SSH. */
  | { kind: 'ticket'; username: string; password: string };

export interface PveTransportOptions {
  /** Host name or IP only, no scheme or port. */
  host: string;
  port: number;
  auth: PveAuthOptions;
  tls: PveTlsTrust;
  /** Per-request bound; PVE answers in well under a second except for slow storage calls. */
  queryTimeoutMs?: number;
  connectTimeoutMs?: number;
  /** Where the operator configures the TLS pin; used in verification error messages. */
  pinSettingHint?: string;
}

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'DELETE';
export type PveParamValue = string | number | boolean | string[] | undefined | null;
export type PveParams = Record<string, PveParamValue>;

export interface PveHttp {
  request<T>(method: HttpMethod, path: string, params?: PveParams): Promise<T>;
  get<T>(path: string, params?: PveParams): Promise<T>;
  post<T>(path: string, params?: PveParams): Promise<T>;
  put<T>(path: string, params?: PveParams): Promise<T>;
  delete<T>(path: string, params?: PveParams): Promise<T>;
  /** `host:port`, for messages. */
  readonly endpoint: string;
  /** Releases pooled keep-alive connections. */
  close(): Promise<void>;
}

const HOST = /^(?:[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?|\[[0-9A-Fa-f:.]+\])$/;
const TOKEN_ID = /^[^@\s]+@[^!\s]+![A-Za-z][A-Za-z0-9._-]*$/;
const TOKEN_SECRET = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
// One segment of an API path: node names, vmids, UPIDs, snapshot and storage ids.
// proxmox-api puts segments into the URL unescaped, so anything else is refused.
const PATH_SEGMENT = /^[A-Za-z0-9][A-Za-z0-9_.:@!=+-]*$/;

/** Builds `/api2/json/<a>/<b>/...`, refusing segments that could change the URL's meaning. */
export function apiPath(...segments: Array<string | number>): string {
  for (const s of segments) {
    if (!PATH_SEGMENT.test(String(s))) throw new Error(`refusing unsafe PVE API path segment ${JSON.stringify(String(s))}`);
  }
  return `/api2/json/${segments.join('/')}`;
}

function validate(opts: PveTransportOptions): void {
  if (!HOST.test(opts.host)) {
    throw new Error(`PVE host must be a host name or IP (IPv6 in brackets) without scheme or port, got ${JSON.stringify(opts.host)}`);
  }
  if (!Number.isInteger(opts.port) || opts.port < 1 || opts.port > 65535) {
    throw new Error(`PVE port must be given explicitly (8006 on a real host), got ${String(opts.port)}`);
  }
  if (opts.auth.kind === 'token') {
    if (!TOKEN_ID.test(opts.auth.tokenId)) throw new Error(`PVE token id must look like user@realm!name, got ${JSON.stringify(opts.auth.tokenId)}`);
    // Never echo the secret itself.
    if (!TOKEN_SECRET.test(opts.auth.tokenSecret)) throw new Error('PVE token secret must be a lowercase UUID (as `pveum user token add` prints it)');
  } else if (!opts.auth.password) {
    throw new Error(`PVE password for ${opts.auth.username} is empty`);
  }
}

const GET_TRIES = 7;

export function createPveTransport(opts: PveTransportOptions): PveHttp {
  validate(opts);
  const pinSettingHint = opts.pinSettingHint ?? 'the PVE TLS pin (CA or SHA-256 fingerprint) in the hypervisor config';
  const agent = createPinnedAgent({ trust: opts.tls, connectTimeoutMs: opts.connectTimeoutMs ?? 10_000, pinSettingHint });
  const pinnedFetch = ((url: Parameters<typeof undiciFetch>[0], init?: Parameters<typeof undiciFetch>[1]) =>
    undiciFetch(url, { ...init, dispatcher: agent })) as NonNullable<ProxmoxEngineOptions['fetch']>;

  const common = {
    host: opts.host,
    port: opts.port,
    schema: 'https' as const,
    queryTimeout: opts.queryTimeoutMs ?? 30_000,
    authTimeout: opts.connectTimeoutMs ?? 10_000,
    fetch: pinnedFetch,
  };
  const auth = opts.auth;
  const newEngine = () =>
    new ProxmoxEngine(
      auth.kind === 'token'
        ? { ...common, tokenID: auth.tokenId, tokenSecret: auth.tokenSecret }
        : { ...common, username: auth.username, password: auth.password },
    );
  let engine = newEngine();

  async function request<T>(method: HttpMethod, path: string, params?: PveParams): Promise<T> {
    // proxmox-api deletes null/undefined keys from the object it is given: hand it a copy.
    const send = () => engine.doRequest(method, path, path, params ? { ...params } : undefined) as Promise<T>;
    try {
      return await send();
    } catch (raw) {
      const err = classifyPveError(raw);
      // PVE >= 9.1.5 answers an expired ticket with `401 Authentication failed!`, which
      // proxmox-api does not recognise as "log in again". A 401 did nothing on the host,
      // so logging in again and re-sending once is safe.
      if (err instanceof PveAuth && auth.kind === 'ticket' && err.status === 401) {
        engine = newEngine();
        try {
          return await send();
        } catch (again) {
          throw classifyPveError(again);
        }
      }
      throw err;
    }
  }

  /**
   * GETs change nothing, so one that got no good answer (5xx, a reset or refused connection) is
   * sent again a few times, within about 3.5 s, before the caller sees the error: on a flaky
   * host (half the calls failing) a step's reads then rarely cost it the attempt. Requests that
   * change something are never re-sent here; their callers read the state back first.
   */
  async function getPatiently<T>(path: string, params?: PveParams): Promise<T> {
    for (let tryNo = 1; ; tryNo++) {
      try {
        return await request<T>('GET', path, params);
      } catch (err) {
        const again = (err instanceof PveUnavailable || err instanceof PveNetwork) && tryNo < GET_TRIES;
        if (!again) throw err;
        await new Promise((r) => setTimeout(r, Math.min(100 * 2 ** (tryNo - 1), 1_000)));
      }
    }
  }

  return {
    request,
    get: getPatiently,
    post: (path, params) => request('POST', path, params),
    put: (path, params) => request('PUT', path, params),
    delete: (path, params) => request('DELETE', path, params),
    endpoint: `${opts.host}:${opts.port}`,
    close: () => agent.close(),
  };
}
