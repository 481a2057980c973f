/** Throwaway self-signed serving certificates for TLS tests, made by openssl. */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TestCert {
  cert: Buffer;
  key: Buffer;
}

/** A P-256 self-signed certificate for `janitor-provider` and 127.0.0.1, valid one day. */
export function makeSelfSignedCert(commonName = 'janitor-provider'): TestCert {
  const dir = mkdtempSync(join(tmpdir(), 'janitor-cert-'));
  try {
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-keyout',
        join(dir, 'key.pem'),
        '-out',
        join(dir, 'cert.pem'),
        '-days',
        '1',
        '-subj',
        `/CN=${commonName}`,
        '-addext',
        `subjectAltName=DNS:${commonName},IP:127.0.0.1`,
      ],
      { stdio: 'pipe' },
    );
    return { cert: readFileSync(join(dir, 'cert.pem')), key: readFileSync(join(dir, 'key.pem')) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Writes the pair as the files cert-manager would mount (cert first, as a renewal does). */
export function writeCert(dir: string, cert: TestCert): { certPath: string; keyPath: string } {
  const certPath = join(dir, 'tls.crt');
  const keyPath = join(dir, 'tls.key');
  writeFileSync(certPath, cert.cert);
  writeFileSync(keyPath, cert.key);
  return { certPath, keyPath };
}
