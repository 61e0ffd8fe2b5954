import { X509Certificate, createPrivateKey, createPublicKey, generateKeyPairSync } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createCertificate, toPem } from './x509';

/**
 * PVE's TLS layout: a cluster CA (`pve-root-ca.pem`) signing the node
 * certificate (`pve-ssl.pem`). Generated once into `<stateDir>/tls` and kept,
 * so clients can pin the CA or the node certificate's SHA-256 fingerprint
 * across restarts.
 */
export interface NodeTls {
  caPem: string;
  caFile: string;
  certPem: string;
  keyPem: string;
  /** SHA-256 of the node certificate, colon-separated upper-case hex (as PVE shows it). */
  fingerprint: string;
}

export function loadOrCreateTls(stateDir: string, node: string, altNames: string[]): NodeTls {
  const dir = join(stateDir, 'tls');
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const files = { ca: join(dir, 'pve-root-ca.pem'), caKey: join(dir, 'pve-root-ca.key'), cert: join(dir, 'pve-ssl.pem'), key: join(dir, 'pve-ssl.key') };
  if (!existsSync(files.ca) || !existsSync(files.cert) || !existsSync(files.key) || !existsSync(files.caKey)) {
    const ca = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    const leaf = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    const caName = { CN: 'Proxmox Virtual Environment', O: 'PVE Cluster Manager CA', OU: `phoenix-sim ${new Date().toISOString().slice(0, 10)}` };
    const caDer = createCertificate({ subject: caName, issuer: caName, publicKey: ca.publicKey, signingKey: ca.privateKey, issuerPublicKey: ca.publicKey, ca: true, days: 3650 });
    const leafDer = createCertificate({
      subject: { CN: `${node}.local`, O: 'PVE Cluster Node', OU: 'PVE Cluster Node' },
      issuer: caName,
      publicKey: leaf.publicKey,
      signingKey: ca.privateKey,
      issuerPublicKey: ca.publicKey,
      ca: false,
      altNames: [...new Set(['localhost', node, `${node}.local`, '127.0.0.1', '::1', ...altNames])],
      days: 730,
    });
    writeFileSync(files.caKey, ca.privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
    writeFileSync(files.key, leaf.privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
    writeFileSync(files.ca, toPem(caDer));
    writeFileSync(files.cert, toPem(leafDer));
  }
  const certPem = readFileSync(files.cert, 'utf8');
  const keyPem = readFileSync(files.key, 'utf8');
  // Fail early (not at the first handshake) if the files do not belong together.
  createPublicKey(createPrivateKey(keyPem));
  return { caPem: readFileSync(files.ca, 'utf8'), caFile: files.ca, certPem, keyPem, fingerprint: new X509Certificate(certPem).fingerprint256 };
}
