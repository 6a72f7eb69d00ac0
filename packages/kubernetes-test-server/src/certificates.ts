// @peculiar/x509 resolves its algorithm providers through tsyringe, which needs the Reflect metadata API.
import 'reflect-metadata';
import { webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';

/** PEM texts for an HTTPS server and the CA a client must trust to reach it. */
export interface ServerCertificates {
  caPem: string;
  certPem: string;
  keyPem: string;
}

const ALGORITHM = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };
/** Ten years: `npm start` keeps one server (and its CA) for as long as it runs, and a start makes new ones. */
const VALIDITY_MS = 10 * 365 * 24 * 60 * 60 * 1000;

/**
 * A fresh CA and a server certificate it signs for `127.0.0.1` and `localhost`, valid for ten years (the
 * simulated cluster of `npm start` may run for weeks). ECDSA P-256 keys take about a millisecond to
 * make, so every server start gets its own.
 */
export async function createServerCertificates({ commonName = 'kubernetes-test-server' }: { commonName?: string } = {}): Promise<ServerCertificates> {
  x509.cryptoProvider.set(webcrypto as Crypto);
  const notBefore = new Date(Date.now() - 60_000);
  const notAfter = new Date(Date.now() + VALIDITY_MS);
  const caKeys = await webcrypto.subtle.generateKey(ALGORITHM, true, ['sign', 'verify']);
  const ca = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: toSerialNumber(),
    name: `CN=${commonName}-ca`,
    notBefore,
    notAfter,
    keys: caKeys,
    signingAlgorithm: ALGORITHM,
    extensions: [new x509.BasicConstraintsExtension(true, 0, true), new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true)],
  });
  const serverKeys = await webcrypto.subtle.generateKey(ALGORITHM, true, ['sign', 'verify']);
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: toSerialNumber(),
    subject: `CN=${commonName}`,
    issuer: ca.subject,
    notBefore,
    notAfter,
    publicKey: serverKeys.publicKey,
    signingKey: caKeys.privateKey,
    signingAlgorithm: ALGORITHM,
    extensions: [
      new x509.BasicConstraintsExtension(false),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      new x509.SubjectAlternativeNameExtension([
        { type: 'ip', value: '127.0.0.1' },
        { type: 'dns', value: 'localhost' },
      ]),
    ],
  });
  const keyPem = x509.PemConverter.encode(await webcrypto.subtle.exportKey('pkcs8', serverKeys.privateKey), 'PRIVATE KEY');
  return { caPem: ca.toString('pem'), certPem: cert.toString('pem'), keyPem };
}

function toSerialNumber(): string {
  // Positive: the top bit of the first byte clear.
  return (Buffer.from(webcrypto.getRandomValues(new Uint8Array(16))).toString('hex').replace(/^./, '1'));
}
