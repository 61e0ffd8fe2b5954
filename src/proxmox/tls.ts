// How Phoenix trusts a PVE host's HTTPS certificate. A PVE node's pve-ssl.pem is signed
// by the cluster CA (/etc/pve/pve-root-ca.pem), so operators either pin that CA, pin the
// node certificate's SHA-256 fingerprint (shown by `pvenode cert info`), or - for hosts
// with an ACME / corporate certificate - explicitly opt into the system trust store.
// There is deliberately no "don't verify" option.
import { Agent, buildConnector } from 'undici';
import type { TLSSocket } from 'node:tls';
import { TlsPinMismatchError } from './errors';

export type PveTlsTrust =
  /** PEM of the CA that signed the node certificate (e.g. /etc/pve/pve-root-ca.pem). */
  | { kind: 'ca'; caPem: string; servername?: string }
  /** SHA-256 fingerprint of the node certificate, `AB:CD:...` or plain hex. */
  | { kind: 'fingerprint'; sha256: string }
  /** Publicly trusted certificate (ACME): Node's default CA store. */
  | { kind: 'system' };

export interface PinnedAgentOptions {
  trust: PveTlsTrust;
  /** TCP + TLS handshake bound. */
  connectTimeoutMs: number;
  /** Tells the operator where to change the pin, e.g. `hypervisor.json $.proxmox.tlsFingerprint`. */
  pinSettingHint: string;
}

/** Normalises `ab:cd:..` / `ABCD..` to `AB:CD:..` (the form Node, openssl and PVE print). */
export function normalizeFingerprint(fp: string): string {
  const hex = fp.replace(/^sha256[:=]?/i, '').replace(/[:\s]/g, '').toUpperCase();
  if (!/^[0-9A-F]{64}$/.test(hex)) {
    throw new Error(`'${fp}' is not a SHA-256 certificate fingerprint (64 hex digits, optionally colon-separated)`);
  }
  return hex.match(/../g)!.join(':');
}

function fingerprintConnector(expected: string, timeout: number, hint: string): buildConnector.connector {
  // The chain is not checked against a CA (self-signed host); the fingerprint check below
  // replaces it. It runs on 'secureConnect', before undici writes any request byte.
  // No TLS session resumption: a resumed session presents no certificate, so there would
  // be nothing to check the pin against.
  const base = buildConnector({ rejectUnauthorized: false, timeout, maxCachedSessions: 0 });
  return (opts, callback) => {
    base(opts, (err, socket) => {
      if (err || !socket) return callback(err ?? new Error('TLS connect failed'), null);
      const presented = (socket as TLSSocket).getPeerCertificate?.()?.fingerprint256 ?? '(none)';
      if (presented.toUpperCase() !== expected) {
        socket.destroy();
        return callback(
          new TlsPinMismatchError(
            `TLS certificate of ${opts.hostname}:${opts.port} has SHA-256 fingerprint ${presented}, ` +
              `but ${expected} is pinned. Nothing was sent. If the host's certificate was renewed on purpose, ` +
              `check it on the host (pvenode cert info) and update ${hint}.`,
            presented,
            expected,
          ),
          null,
        );
      }
      callback(null, socket);
    });
  };
}

/** An undici dispatcher that verifies the PVE host the way `trust` says. */
export function createPinnedAgent({ trust, connectTimeoutMs, pinSettingHint }: PinnedAgentOptions): Agent {
  if (!trust) throw new Error(`no TLS trust configured for the PVE host: pin its CA or certificate fingerprint in ${pinSettingHint}`);
  switch (trust.kind) {
    case 'ca':
      if (!/-----BEGIN CERTIFICATE-----/.test(trust.caPem)) {
        throw new Error(`the pinned PVE CA is not a PEM certificate; set ${pinSettingHint}`);
      }
      return new Agent({
        connect: { ca: trust.caPem, servername: trust.servername, rejectUnauthorized: true, timeout: connectTimeoutMs },
      });
    case 'fingerprint':
      return new Agent({ connect: fingerprintConnector(normalizeFingerprint(trust.sha256), connectTimeoutMs, pinSettingHint) });
    case 'system':
      return new Agent({ connect: { rejectUnauthorized: true, timeout: connectTimeoutMs } });
    default: {
      const never: never = trust;
      throw new Error(`unknown TLS trust ${JSON.stringify(never)}; set ${pinSettingHint}`);
    }
  }
}
