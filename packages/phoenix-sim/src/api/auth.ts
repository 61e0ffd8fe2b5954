import { createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { PveError, paramError } from '../state/errors';
import type { Credentials } from './credentials';
import type { PveRelease } from '../pve-schema';
import { rootCap } from './privileges';

/**
 * PVE authentication: API tokens (`Authorization: PVEAPIToken=USER@REALM!ID=UUID`,
 * no CSRF) and ticket logins (`PVEAuthCookie` + `CSRFPreventionToken` on every
 * non-GET). The authenticated user of a token is the token id
 * (`root@pam!phoenix`), never `root@pam`, which is what makes root-only
 * settings fail for tokens as on a real host.
 */
export interface AuthResult {
  user: string;
  kind: 'token' | 'ticket';
}

const TICKET_LIFETIME_S = 2 * 3600;

function hmac(key: string, text: string): string {
  return createHmac('sha256', key).update(text).digest('base64').replace(/=+$/, '');
}

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

const unauthorized = (msg: string): PveError => new PveError(401, msg);

export class Authenticator {
  constructor(
    private readonly creds: Credentials,
    private readonly release: PveRelease = '8.2',
  ) {}

  private hexTime(now = Date.now()): string {
    return Math.floor(now / 1000)
      .toString(16)
      .toUpperCase()
      .padStart(8, '0');
  }

  /** `POST /access/ticket`. */
  login(params: Record<string, string | string[] | undefined>): Record<string, unknown> {
    let username = String(params.username ?? '');
    const password = String(params.password ?? '');
    if (!username) throw paramError({ username: 'property is missing and it is not optional' });
    if (params.password === undefined) throw paramError({ password: 'property is missing and it is not optional' });
    if (!username.includes('@') && params.realm) username = `${username}@${String(params.realm)}`;
    const viaTicket = password.startsWith('PVE:') && this.verifyTicket(password) === username;
    if (username !== 'root@pam' || (!viaTicket && !safeEqual(password, this.creds.rootPassword))) throw unauthorized('authentication failure');
    const hex = this.hexTime();
    const plain = `PVE:${username}:${hex}`;
    return {
      username,
      ticket: `${plain}::${hmac(this.creds.ticketKey, plain)}`,
      CSRFPreventionToken: `${hex}:${hmac(this.creds.ticketKey, `${hex}:${username}`)}`,
      cap: rootCap(this.release),
    };
  }

  /** The user a ticket belongs to, or undefined if it is forged or expired. */
  private verifyTicket(ticket: string): string | undefined {
    const m = /^(PVE:([^:]+):([0-9A-F]{8}))::(.+)$/.exec(ticket);
    if (!m || !safeEqual(hmac(this.creds.ticketKey, m[1]!), m[4]!)) return undefined;
    const age = Date.now() / 1000 - parseInt(m[3]!, 16);
    if (age < -300 || age > TICKET_LIFETIME_S) return undefined;
    return decodeURIComponent(m[2]!);
  }

  private verifyCsrf(token: string | undefined, user: string): boolean {
    if (!token) return false;
    const m = /^([0-9A-F]{8}):(.+)$/.exec(token);
    if (!m || !safeEqual(hmac(this.creds.ticketKey, `${m[1]}:${user}`), m[2]!)) return false;
    const age = Date.now() / 1000 - parseInt(m[1]!, 16);
    return age >= -300 && age <= TICKET_LIFETIME_S;
  }

  /** Authenticates a request or throws PVE's 401. */
  authenticate(req: IncomingMessage): AuthResult {
    const header = req.headers.authorization;
    const token = header ? /^PVEAPIToken[= ](.+)$/.exec(header.trim()) : null;
    if (token) {
      const value = decodeURIComponent(token[1]!);
      const m = /^([^!]+@[^!]+)!([^=]+)=(.+)$/.exec(value);
      if (!m) throw unauthorized('invalid token value!');
      const [, user, name, secret] = m;
      if (user !== 'root@pam') throw unauthorized(`no such user ('${user}')`);
      const [expectedUser, expectedName] = this.creds.tokenId.split('!');
      if (user !== expectedUser || name !== expectedName) throw unauthorized(`no such token '${name}' for user '${user}'`);
      if (!safeEqual(secret!, this.creds.tokenSecret)) throw unauthorized('invalid token value!');
      return { user: this.creds.tokenId, kind: 'token' };
    }
    const cookie = /(?:^|;\s*)PVEAuthCookie=([^;]+)/.exec(req.headers.cookie ?? '')?.[1];
    const fromHeader = header ? /^PVEAuthCookie=(.+)$/.exec(header.trim())?.[1] : undefined;
    const ticket = cookie ?? fromHeader;
    if (!ticket) throw unauthorized('No ticket');
    const user = this.verifyTicket(decodeURIComponent(ticket));
    if (!user) throw unauthorized('permission denied - invalid PVE ticket');
    if (req.method !== 'GET' && !this.verifyCsrf(req.headers.csrfpreventiontoken as string | undefined, user)) throw unauthorized('Permission denied - invalid csrf token');
    return { user, kind: 'ticket' };
  }
}
