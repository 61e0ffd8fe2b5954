// The one place where failures talking to PVE are classified.
//
// proxmox-api throws plain Errors whose *message* carries everything (method, URL,
// status, reason phrase, JSON body), so classification has to read text. Doing it
// here, once, lets every caller branch on classes and a `transient` flag instead of
// regexes, and lets activities map them to retryable / non-retryable failures.

/** Details of a PVE task that ended badly, attached to the error it raised. */
export interface PveTaskFailure {
  upid: string;
  exitstatus: string;
  /** Last lines of the task log (without line numbers), oldest first. */
  logTail: string[];
}

export interface PveErrorDetails {
  /** HTTP status, when PVE answered at all. */
  status?: number;
  /** HTTP reason phrase: PVE puts the first line of its error text there. */
  reason?: string;
  /** Per-parameter errors of a 400 (`{"vmid": "VM 218 already exists"}`). */
  paramErrors?: Record<string, string>;
  /** The `message` body field (PVE >= 8.3), trailing newline removed. */
  pveMessage?: string;
  method?: string;
  /** API path (`/api2/json/...`), never host or credentials. */
  path?: string;
  task?: PveTaskFailure;
  cause?: unknown;
}

export abstract class PveError extends Error {
  /** Retrying the same request later may succeed (locks, 5xx, dropped connections). */
  abstract readonly transient: boolean;
  readonly status?: number;
  readonly reason?: string;
  readonly paramErrors?: Record<string, string>;
  readonly pveMessage?: string;
  readonly method?: string;
  readonly path?: string;
  readonly task?: PveTaskFailure;

  constructor(message: string, details: PveErrorDetails = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = new.target.name;
    this.status = details.status;
    this.reason = details.reason;
    this.paramErrors = details.paramErrors;
    this.pveMessage = details.pveMessage;
    this.method = details.method;
    this.path = details.path;
    this.task = details.task;
  }

  /** Everything PVE said, in one line: reason, body message, parameter errors, task exit status. */
  get pveSaid(): string {
    const parts: string[] = [];
    if (this.task) parts.push(this.task.exitstatus);
    if (this.reason) parts.push(this.reason);
    if (this.pveMessage && this.pveMessage !== this.reason) parts.push(this.pveMessage);
    for (const [param, text] of Object.entries(this.paramErrors ?? {})) parts.push(`${param}: ${text}`);
    return parts.join('; ');
  }
}

/** 404-like: the guest, snapshot, task, node or storage does not exist (PVE says so with a 500). */
export class PveNotFound extends PveError {
  readonly transient = false;
}
/** The guest / snapshot / VMID already exists. On a *retried* create this may mean "done". */
export class PveAlreadyExists extends PveError {
  readonly transient = false;
}
/** A config lock or flock is held (`CT is locked (disk)`, `can't lock file ... got timeout`). Retry with backoff. */
export class PveLocked extends PveError {
  readonly transient = true;
}
/** 400: PVE rejected the parameters. `paramErrors` says which and why. */
export class PveBadRequest extends PveError {
  readonly transient = false;
}
/** PVE refused because of the guest's current state (`you can't convert a CT to template if the CT is running`). */
export class PveInvalidState extends PveError {
  readonly transient = false;
}
/** 403, or a root-only setting attempted with an API token. */
export class PvePermission extends PveError {
  readonly transient = false;
}
/** 401: bad token / ticket / password. */
export class PveAuth extends PveError {
  readonly transient = false;
}
/** 501: this PVE version has no such endpoint. */
export class PveNotImplemented extends PveError {
  readonly transient = false;
}
/** Other 5xx (incl. pveproxy's 595/596/599), unexpected answers. */
export class PveUnavailable extends PveError {
  readonly transient = true;
}
/** Connection refused / reset / timed out. */
export class PveNetwork extends PveError {
  readonly transient = true;
}
/** The host's TLS certificate did not match the pinned CA or fingerprint. A person must look. */
export class PveTlsVerification extends PveError {
  readonly transient = false;
}
/** A task ended with an error that matches no more specific class. */
export class PveTaskFailed extends PveError {
  readonly transient = false;
}
/**
 * The task died with PVE's API process (`unexpected status`), or PVE no longer knows its UPID.
 * Whether its effect happened is unknown: the retried step reads the state back and re-issues
 * the request only if the effect is missing.
 */
export class PveTaskLost extends PveError {
  readonly transient = true;
}
/** A wait ran past its deadline while the task / guest was still busy; a later attempt can re-attach. */
export class PveWaitTimeout extends PveError {
  readonly transient = true;
}

/** Thrown by the TLS connector (transport.ts) when a pinned fingerprint does not match. */
export class TlsPinMismatchError extends Error {
  constructor(
    message: string,
    readonly presented: string,
    readonly expected: string,
  ) {
    super(message);
    this.name = 'TlsPinMismatchError';
  }
}

type PveErrorClass = new (message: string, details?: PveErrorDetails) => PveError;

// Texts PVE uses, checked against reason, body message, parameter errors and task exit
// status alike. Order matters: the first match wins.
const TEXT_RULES: Array<[RegExp, PveErrorClass]> = [
  [/\b(?:CT|VM) is locked\b/i, PveLocked],
  [/can't lock file .*got timeout/i, PveLocked],
  [/got no worker upid/i, PveLocked],
  [/lock request timeout|got lock timeout|cfs-lock .* error/i, PveLocked],
  [/only root|Only root may use|only allowed for root@pam|not available with API token/i, PvePermission],
  [/Permission check failed/i, PvePermission],
  [/already exists|already used|config file already exists/i, PveAlreadyExists],
  [/does not exist|no such (?:task|resource|vm|ct|container|snapshot|storage|node|user|token|file)|hostname lookup .* failed/i, PveNotFound],
  [/you can't|unable to .* because|not allowed for|can only .* (?:running|stopped)|is not running|not running$|already running|is a template|feature .*(?:not available|not supported)|not supported for/i, PveInvalidState],
];

function classByText(texts: string[]): PveErrorClass | undefined {
  for (const [pattern, cls] of TEXT_RULES) {
    if (texts.some((t) => pattern.test(t))) return cls;
  }
  return undefined;
}

function classByStatus(status: number): PveErrorClass {
  if (status === 400) return PveBadRequest;
  if (status === 401) return PveAuth;
  if (status === 403) return PvePermission;
  if (status === 404) return PveNotFound;
  if (status === 501) return PveNotImplemented;
  if (status >= 500) return PveUnavailable;
  return PveBadRequest;
}

interface ParsedHttpError {
  method: string;
  path: string;
  status: number;
  reason: string;
  body: unknown;
}

// proxmox-api 1.1.1 message shapes (ProxmoxEngine.doRequest):
//   `${m} ${url} return Error ${status} ${statusText}: ${JSON.stringify(data)}`        (400, 401, 500)
//   `${m} ${url} connection failed with ${status} ${statusText} return: ${JSON}`     (any other status)
const HTTP_ERROR = /^(GET|POST|PUT|DELETE) (\S+) (?:return Error|connection failed with) (\d{3}) ([\s\S]*)$/;

function parseHttpError(message: string): ParsedHttpError | undefined {
  const m = HTTP_ERROR.exec(message);
  if (!m) return undefined;
  const [, method, url, statusText, rest] = m as unknown as [string, string, string, string, string];
  // The reason phrase may itself contain ':' (`can't lock file '/x' - got timeout`), so
  // take the first separator after which the remainder parses as JSON.
  let reason = rest;
  let body: unknown;
  for (const sep of [': {', ' return: {']) {
    let at = rest.indexOf(sep);
    while (at !== -1) {
      try {
        body = JSON.parse(rest.slice(at + sep.length - 1));
        reason = rest.slice(0, at);
        at = -1;
      } catch {
        at = rest.indexOf(sep, at + 1);
      }
    }
    if (body !== undefined) break;
  }
  let path = url;
  try {
    path = new URL(url).pathname;
  } catch {
    /* keep as is */
  }
  return { method, path, status: Number(statusText), reason: reason.trim(), body };
}

function bodyFields(body: unknown): { pveMessage?: string; paramErrors?: Record<string, string>; rawText?: string } {
  if (!body || typeof body !== 'object') return {};
  const b = body as { message?: unknown; errors?: unknown };
  const pveMessage = typeof b.message === 'string' ? b.message.trim() : undefined;
  if (b.errors && typeof b.errors === 'object') {
    const paramErrors: Record<string, string> = {};
    for (const [k, v] of Object.entries(b.errors as Record<string, unknown>)) paramErrors[k] = String(v).trim();
    return { pveMessage, paramErrors };
  }
  // proxmox-api puts a body without content-type (401, low-level 501) into `errors` as text.
  if (typeof b.errors === 'string' && b.errors.trim()) return { pveMessage, rawText: b.errors.trim() };
  return { pveMessage };
}

const TLS_CERT_CODES = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'CERT_SIGNATURE_FAILURE',
]);

function causeChain(err: unknown): unknown[] {
  const chain: unknown[] = [];
  let cur: unknown = err;
  while (cur && chain.length < 8) {
    chain.push(cur);
    cur = (cur as { cause?: unknown }).cause;
  }
  return chain;
}

function tlsProblem(err: unknown): string | undefined {
  for (const c of causeChain(err)) {
    if (c instanceof TlsPinMismatchError) return c.message;
    const code = (c as { code?: unknown }).code;
    if (typeof code === 'string' && TLS_CERT_CODES.has(code)) {
      return `TLS certificate verification failed (${code}: ${(c as Error).message}); pin the host's CA (pve-root-ca.pem) or its SHA-256 certificate fingerprint`;
    }
  }
  return undefined;
}

function describe(prefix: string, reason: string | undefined, fields: ReturnType<typeof bodyFields>): string {
  const extra: string[] = [];
  if (fields.pveMessage && fields.pveMessage !== reason) extra.push(fields.pveMessage);
  if (fields.rawText && fields.rawText !== reason) extra.push(fields.rawText);
  for (const [k, v] of Object.entries(fields.paramErrors ?? {})) extra.push(`${k}: ${v}`);
  return [prefix + (reason ? ` ${reason}` : ''), ...extra].join(' - ');
}

/**
 * Turns whatever proxmox-api (or undici underneath it) threw into a PveError.
 * PveErrors pass through unchanged; errors that are not about PVE at all are returned as-is.
 */
export function classifyPveError(err: unknown): PveError | unknown {
  if (err instanceof PveError) return err;
  if (!(err instanceof Error)) return err;
  const message = err.message;

  const http = parseHttpError(message);
  if (http) {
    const fields = bodyFields(http.body);
    const texts = [http.reason, fields.pveMessage ?? '', fields.rawText ?? '', ...Object.values(fields.paramErrors ?? {})];
    // 401/403/501 mean what they say whatever the text; otherwise PVE's words are more precise than 500.
    const byStatus = classByStatus(http.status);
    const cls = [401, 403, 501].includes(http.status) ? byStatus : (classByText(texts) ?? byStatus);
    return new cls(describe(`PVE ${http.method} ${http.path} failed: ${http.status}`, http.reason, fields), {
      status: http.status,
      reason: http.reason,
      paramErrors: fields.paramErrors,
      pveMessage: fields.pveMessage ?? fields.rawText,
      method: http.method,
      path: http.path,
      cause: err,
    });
  }

  const network = /^FaILED to call (\S+) (\S+)/.exec(message);
  const login = /^Auth (\S+) Failed!/.exec(message);
  if (network || login) {
    const method = network?.[1] ?? 'POST';
    let path = network?.[2] ?? login?.[1] ?? '';
    try {
      path = new URL(path).pathname;
    } catch {
      /* keep */
    }
    const tls = tlsProblem(err);
    if (tls) return new PveTlsVerification(tls, { method, path, cause: err });
    const causeText = causeChain(err)
      .slice(1)
      .map((c) => (c instanceof Error ? c.message : String(c)))
      .filter((t) => t && t !== 'fetch failed')
      .join(': ');
    if (login) {
      const denied = /login failed with (\d{3}): ?(.*)/.exec(causeText);
      if (denied) {
        const status = Number(denied[1]);
        const cls = status === 401 ? PveAuth : classByStatus(status);
        return new cls(`PVE login as ticket user failed: ${status} ${denied[2] ?? ''}`.trim(), { status, method, path, cause: err });
      }
    }
    // proxmox-api aborts a request after queryTimeout; the AbortError carries no cause text.
    const what = causeText || 'no answer (request timed out or connection dropped)';
    return new PveNetwork(`PVE ${method} ${path} failed: ${what}`, { method, path, cause: err });
  }

  if (/unexpected contentType/.test(message)) {
    return new PveUnavailable(`PVE answered with an unexpected content type (a proxy in front of pveproxy?): ${message}`, { cause: err });
  }
  return err;
}

/** Classifies a task's exit status (plus log tail) into the same taxonomy. */
/** PVE's exit status for a task whose worker process vanished (daemon restart, host crash). */
export const LOST_TASK_EXITSTATUS = 'unexpected status';

export function taskFailureError(what: string, task: PveTaskFailure): PveError {
  const cls = task.exitstatus === LOST_TASK_EXITSTATUS ? PveTaskLost : (classByText([task.exitstatus]) ?? PveTaskFailed);
  const tail = task.logTail.length ? `; last log lines: ${task.logTail.join(' | ')}` : '';
  return new cls(`${what} failed: ${task.exitstatus}${tail}`, { task, reason: task.exitstatus });
}

function errorTexts(err: unknown): string[] {
  if (!(err instanceof PveError)) return [];
  return [err.reason ?? '', err.pveMessage ?? '', err.task?.exitstatus ?? '', ...Object.values(err.paramErrors ?? {})];
}

/** `CT 901 already running` (sync 500 for LXC) / `VM 8001 already running` (task error for QEMU): done, not failed. */
export function isAlreadyRunning(err: unknown): boolean {
  return errorTexts(err).some((t) => /already running/i.test(t));
}

/** `CT 901 not running` on stop/shutdown: done, not failed. */
export function isNotRunning(err: unknown): boolean {
  return errorTexts(err).some((t) => /\bnot running\b/i.test(t) && !/guest agent/i.test(t));
}

/** QEMU guest agent not (yet) answering: keep waiting. */
export function isAgentNotReady(err: unknown): boolean {
  return errorTexts(err).some((t) =>
    /guest agent is not running|qmp command 'guest-ping' failed|guest-ping.*got timeout/i.test(t),
  );
}
