import { createHash, randomBytes, sign, type KeyObject } from 'node:crypto';
import { isIP } from 'node:net';
import { bitString, boolean, explicit, integer, octetString, oid, sequence, set, time, tlv, utf8 } from './der';

/** An ECDSA P-256 / SHA-256 X.509 v3 certificate, as PVE's CA and node certificates are shaped. */
export interface CertificateSpec {
  subject: Record<'CN' | 'O' | 'OU', string | undefined>;
  issuer: Record<'CN' | 'O' | 'OU', string | undefined>;
  publicKey: KeyObject;
  /** Key that signs (the CA's for a node certificate, its own for the CA). */
  signingKey: KeyObject;
  issuerPublicKey: KeyObject;
  ca: boolean;
  /** DNS names and IP addresses for subjectAltName (server certificates). */
  altNames?: string[];
  days: number;
}

const ATTR_OIDS = { CN: '2.5.4.3', O: '2.5.4.10', OU: '2.5.4.11' } as const;
const ECDSA_SHA256 = sequence(oid('1.2.840.10045.4.3.2'));

function name(attrs: CertificateSpec['subject']): Buffer {
  const rdns: Buffer[] = [];
  for (const key of ['O', 'OU', 'CN'] as const) {
    const v = attrs[key];
    if (v) rdns.push(set(sequence(oid(ATTR_OIDS[key]), utf8(v))));
  }
  return sequence(...rdns);
}

function keyId(pub: KeyObject): Buffer {
  return createHash('sha1').update(pub.export({ type: 'spki', format: 'der' })).digest();
}

function extension(id: string, critical: boolean, value: Buffer): Buffer {
  return critical ? sequence(oid(id), boolean(true), octetString(value)) : sequence(oid(id), octetString(value));
}

function ipBytes(ip: string): Buffer {
  if (isIP(ip) === 4) return Buffer.from(ip.split('.').map(Number));
  const [head, tail] = ip.split('::');
  const h = head ? head.split(':') : [];
  const t = tail !== undefined && tail ? tail.split(':') : [];
  const groups = [...h, ...Array(8 - h.length - t.length).fill('0'), ...t];
  return Buffer.from(groups.flatMap((g) => [(parseInt(g, 16) >> 8) & 0xff, parseInt(g, 16) & 0xff]));
}

export function createCertificate(spec: CertificateSpec): Buffer {
  const now = Date.now();
  const notBefore = new Date(now - 24 * 3600 * 1000);
  const notAfter = new Date(now + spec.days * 24 * 3600 * 1000);
  const extensions: Buffer[] = [
    extension('2.5.29.19', true, spec.ca ? sequence(boolean(true)) : sequence()),
    // CA: keyCertSign + cRLSign; server: digitalSignature (ECDHE-ECDSA needs only that).
    extension('2.5.29.15', true, spec.ca ? bitString(Buffer.from([0x06]), 1) : bitString(Buffer.from([0x80]), 7)),
    extension('2.5.29.14', false, octetString(keyId(spec.publicKey))),
    extension('2.5.29.35', false, sequence(tlv(0x80, keyId(spec.issuerPublicKey)))),
  ];
  if (!spec.ca) {
    extensions.push(extension('2.5.29.37', false, sequence(oid('1.3.6.1.5.5.7.3.1'))));
    const alt = (spec.altNames ?? []).map((n) => (isIP(n) ? tlv(0x87, ipBytes(n)) : tlv(0x82, Buffer.from(n, 'ascii'))));
    if (alt.length) extensions.push(extension('2.5.29.17', false, sequence(...alt)));
  }
  const serial = randomBytes(16);
  serial[0]! &= 0x7f;
  const tbs = sequence(
    explicit(0, integer(2)),
    integer(serial),
    ECDSA_SHA256,
    name(spec.issuer),
    sequence(time(notBefore), time(notAfter)),
    name(spec.subject),
    spec.publicKey.export({ type: 'spki', format: 'der' }),
    explicit(3, sequence(...extensions)),
  );
  const signature = sign('sha256', tbs, spec.signingKey);
  return sequence(tbs, ECDSA_SHA256, bitString(signature));
}

export function toPem(der: Buffer, label = 'CERTIFICATE'): string {
  const b64 = der.toString('base64').replace(/(.{64})/g, '$1\n').replace(/\n$/, '');
  return `-----BEGIN ${label}-----\n${b64}\n-----END ${label}-----\n`;
}
