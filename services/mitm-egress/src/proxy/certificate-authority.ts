import { createPrivateKey, randomBytes, webcrypto } from 'node:crypto';
import { chmod, mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import { join } from 'node:path';
import * as x509 from '@peculiar/x509';
import { AppError, ErrorCode } from '@ironcurtain/errors';

type CryptoKey = webcrypto.CryptoKey;
const crypto = webcrypto;
// @peculiar/x509 types keys with the global (DOM) WebCrypto types; Node's are the same objects under other names.
const asX509Key = <T>(key: T): never => key as never;
x509.cryptoProvider.set(crypto as never);

const algorithm = { name: 'ECDSA', namedCurve: 'P-256' } as const;
const signingAlgorithm = { name: 'ECDSA', hash: 'SHA-256' } as const;
const dayMs = 24 * 60 * 60 * 1000;

/** A certificate and its private key, PEM. */
export interface IssuedCertificate {
  certificatePem: string;
  keyPem: string;
}

/** The local CA: its certificate (what clients trust) and leaf certificates for host names, issued on demand. */
export interface CertificateAuthority {
  readonly certificatePem: string;
  readonly certificatePath: string;
  /** A certificate for `host` (DNS name or IP address), valid 30 days; all leaves share one key per process. */
  issue(host: string): Promise<IssuedCertificate>;
}

/** File names under the CA directory. The key never leaves the egress: mount only `ca.cert.pem` into containers. */
export const caFileNames = { certificate: 'ca.cert.pem', key: 'ca.key.pem' } as const;

/**
 * Loads the CA from `directory`, or creates it there on first run (ECDSA P-256, 10 years): the directory 0700, the
 * key 0600. A key file that others can read is refused: the CA key signs certificates for any host.
 */
export async function loadOrCreateCertificateAuthority(
  directory: string,
  commonName = 'IronCurtain mitm-egress CA',
): Promise<CertificateAuthority> {
  await mkdir(directory, { recursive: true, mode: 0o700 });
  const keyPath = join(directory, caFileNames.key);
  const certificatePath = join(directory, caFileNames.certificate);
  let loaded = await readExisting(keyPath, certificatePath);
  if (loaded === undefined) {
    await createAuthorityFiles(keyPath, certificatePath, commonName);
    loaded = await readExisting(keyPath, certificatePath);
  }
  if (loaded === undefined) {
    throw new AppError(
      ErrorCode.ConfigInvalid,
      `the CA in ${directory} is incomplete: remove it to make a new one`,
    );
  }
  const caCertificate = new x509.X509Certificate(loaded.certificatePem);
  const caKey = await importPrivateKey(loaded.keyPem);
  const leafKeys = await crypto.subtle.generateKey(algorithm, true, ['sign', 'verify']);
  const leafKeyPem = await exportPrivateKey(leafKeys.privateKey);
  return {
    certificatePem: pemWithNewline(loaded.certificatePem),
    certificatePath,
    async issue(host) {
      const leaf = await x509.X509CertificateGenerator.create({
        serialNumber: serialNumber(),
        subject: `CN=${host.replace(/[,+"\\<>;=]/g, '')}`,
        issuer: caCertificate.subject,
        notBefore: new Date(Date.now() - dayMs),
        notAfter: new Date(Date.now() + 30 * dayMs),
        signingAlgorithm,
        publicKey: asX509Key(leafKeys.publicKey),
        signingKey: asX509Key(caKey),
        extensions: [
          new x509.BasicConstraintsExtension(false, undefined, true),
          new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
          new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
          new x509.SubjectAlternativeNameExtension([{ type: isIP(host) === 0 ? 'dns' : 'ip', value: host }]),
          await x509.AuthorityKeyIdentifierExtension.create(caCertificate),
          await x509.SubjectKeyIdentifierExtension.create(asX509Key(leafKeys.publicKey)),
        ],
      });
      return { certificatePem: pemWithNewline(leaf.toString('pem')), keyPem: leafKeyPem };
    },
  };
}

async function readExisting(
  keyPath: string,
  certificatePath: string,
): Promise<{ keyPem: string; certificatePem: string } | undefined> {
  let keyStat;
  try {
    keyStat = await stat(keyPath);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  if ((keyStat.mode & 0o077) !== 0) {
    throw new AppError(
      ErrorCode.ConfigInvalid,
      `the CA key ${keyPath} is readable by others (mode ${(keyStat.mode & 0o777).toString(8)}): chmod 600 it`,
    );
  }
  const [keyPem, certificatePem] = await Promise.all([
    readFile(keyPath, 'utf8'),
    readFile(certificatePath, 'utf8'),
  ]);
  return { keyPem, certificatePem };
}

async function createAuthorityFiles(
  keyPath: string,
  certificatePath: string,
  commonName: string,
): Promise<void> {
  const keys = await crypto.subtle.generateKey(algorithm, true, ['sign', 'verify']);
  const certificate = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serialNumber(),
    name: `CN=${commonName}, O=IronCurtain`,
    notBefore: new Date(Date.now() - dayMs),
    notAfter: new Date(Date.now() + 3650 * dayMs),
    signingAlgorithm,
    keys: asX509Key(keys),
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(asX509Key(keys.publicKey)),
    ],
  });
  // The certificate first: a reader that finds the key finds its certificate too. 'wx' keeps a racing replica's CA.
  try {
    await writeFile(certificatePath, pemWithNewline(certificate.toString('pem')), {
      flag: 'wx',
      mode: 0o644,
    });
    await writeFile(keyPath, await exportPrivateKey(keys.privateKey), { flag: 'wx', mode: 0o600 });
    await chmod(keyPath, 0o600);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
}

async function importPrivateKey(pem: string): Promise<CryptoKey> {
  const der = createPrivateKey(pem).export({ type: 'pkcs8', format: 'der' });
  return crypto.subtle.importKey('pkcs8', der, algorithm, false, ['sign']);
}

async function exportPrivateKey(key: CryptoKey): Promise<string> {
  const der = Buffer.from(await crypto.subtle.exportKey('pkcs8', key));
  const lines = der.toString('base64').match(/.{1,64}/g) ?? [];
  return `-----BEGIN PRIVATE KEY-----\n${lines.join('\n')}\n-----END PRIVATE KEY-----\n`;
}

// Positive (leading byte below 0x80) and unique enough that no two leaves of one CA share a serial.
function serialNumber(): string {
  return `01${randomBytes(15).toString('hex')}`;
}

// PEM blocks are concatenated into chains: each must end with a newline.
function pemWithNewline(pem: string): string {
  return pem.endsWith('\n') ? pem : `${pem}\n`;
}
