// bench:session's session CA, made once per run: the container must trust the CA (its `ca.pem`) and the stand-in
// egress must present a leaf for the model host issued by it, as mitm-egress does, or Claude Code's TLS handshake
// fails before any request. A file of its own because both sides use it: the session setup hands the CA to the
// container, the stand-in egress serves the leaf.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface SessionCertificates {
  /** What the container trusts (`/etc/ironcurtain/ca.pem`). */
  readonly caPem: string;
  /** The stand-in egress's certificate for the model host, issued by that CA. */
  readonly leafPem: string;
  readonly leafKeyPem: string;
}

// A session CA as mitm-egress hands out (ECDSA P-256), and a leaf for `serverName`, made with openssl in `folder`.
export function makeSessionCertificates(folder: string, serverName: string): SessionCertificates {
  mkdirSync(folder, { recursive: true, mode: 0o700 });
  const file = (name: string) => join(folder, name);
  const openssl = (...args: string[]) =>
    execFileSync('openssl', args, { stdio: ['ignore', 'ignore', 'pipe'], timeout: 30_000 });
  // Only fixed words are split on spaces; file paths are arguments of their own.
  const words = (text: string) => text.split(' ');
  const newKey = '-nodes -newkey ec -pkeyopt ec_paramgen_curve:P-256';
  const caExtensions = '-addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign';
  openssl(
    ...words(`req -x509 -days 2 ${newKey} ${caExtensions} -subj /CN=bench-session-CA -keyout`),
    file('ca.key.pem'),
    '-out',
    file('ca.pem'),
  );
  openssl(
    ...words(`req -new ${newKey} -subj /CN=${serverName} -keyout`),
    file('leaf.key.pem'),
    '-out',
    file('leaf.csr'),
  );
  writeFileSync(file('leaf.ext'), `subjectAltName=DNS:${serverName}\nextendedKeyUsage=serverAuth\n`);
  openssl(
    ...words('x509 -req -days 2 -set_serial 2 -in'),
    file('leaf.csr'),
    '-CA',
    file('ca.pem'),
    '-CAkey',
    file('ca.key.pem'),
    '-extfile',
    file('leaf.ext'),
    '-out',
    file('leaf.pem'),
  );
  const read = (name: string) => readFileSync(file(name), 'utf8');
  return { caPem: read('ca.pem'), leafPem: read('leaf.pem'), leafKeyPem: read('leaf.key.pem') };
}
