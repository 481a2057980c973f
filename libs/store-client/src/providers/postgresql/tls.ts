/**
 * libpq's sslmode and certificate files → node-postgres `ssl` options.
 *   disable            no TLS
 *   allow / prefer     TLS without verification, falling back to plain when the server has no
 *                      TLS (decided once at start-up by a probe connection; see pool.ts)
 *   require            TLS without verification — unless a root certificate is given, which
 *                      makes it verify-ca, as libpq does
 *   verify-ca          the server certificate must chain to sslrootcert (host name not checked)
 *   verify-full        verify-ca + the host name must match
 * Key files must not be readable by group/others, the same rule libpq enforces.
 */
import { readFileSync, statSync } from 'node:fs';
import type { ConnectionOptions } from 'node:tls';
import type { ConnectionConfig, SslMode } from '../../config/types.js';
import { DatastoreError } from '../../errors.js';

export interface TlsPlan {
  /** What to connect with first. */
  ssl: false | ConnectionOptions;
  /** Retry without TLS when the server does not offer it (allow/prefer). */
  fallbackToPlain: boolean;
}

export function planTls(connection: ConnectionConfig, provider = 'postgresql'): TlsPlan {
  const mode: SslMode = connection.sslmode ?? 'prefer';
  if (mode === 'disable') return { ssl: false, fallbackToPlain: false };
  const ssl: ConnectionOptions = { rejectUnauthorized: false };
  if (connection.sslcert || connection.sslkey) {
    if (!connection.sslcert || !connection.sslkey) {
      throw new DatastoreError(
        'certificate',
        `a client certificate needs both DATASTORE_SSLCERT and DATASTORE_SSLKEY (got only ${connection.sslcert ? 'the certificate' : 'the key'}); set both or neither`,
        { provider },
      );
    }
    ssl.cert = readCertificateFile(connection.sslcert, 'DATASTORE_SSLCERT', provider);
    ssl.key = readKeyFile(connection.sslkey, provider);
  }
  const verify =
    mode === 'verify-ca' || mode === 'verify-full' || (mode === 'require' && Boolean(connection.sslrootcert));
  if (verify) {
    if (!connection.sslrootcert) {
      throw new DatastoreError(
        'certificate',
        `sslmode ${mode} needs the CA certificate: set DATASTORE_SSLROOTCERT to its path`,
        { provider },
      );
    }
    ssl.ca = readCertificateFile(connection.sslrootcert, 'DATASTORE_SSLROOTCERT', provider);
    ssl.rejectUnauthorized = true;
    if (mode === 'verify-full') {
      ssl.servername = connection.host;
    } else {
      // verify-ca: the chain is checked, the host name is not.
      ssl.checkServerIdentity = () => undefined;
    }
  }
  return { ssl, fallbackToPlain: mode === 'prefer' || mode === 'allow' };
}

function readCertificateFile(path: string, variable: string, provider: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    throw new DatastoreError(
      'certificate',
      `cannot read ${variable} file ${path} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}); mount the certificate there or fix the path`,
      { provider, cause: err, details: { path } },
    );
  }
}

function readKeyFile(path: string, provider: string): string {
  let mode: number;
  try {
    mode = statSync(path).mode;
  } catch (err) {
    throw new DatastoreError(
      'certificate',
      `cannot read DATASTORE_SSLKEY file ${path} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}); mount the key there or fix the path`,
      { provider, cause: err, details: { path } },
    );
  }
  if ((mode & 0o077) !== 0) {
    throw new DatastoreError(
      'certificate',
      `private key file ${path} is readable by group or others (mode ${(mode & 0o777).toString(8)}); run chmod 600 ${path} (or set defaultMode: 0600 on the Secret volume)`,
      { provider, details: { path, mode: mode & 0o777 } },
    );
  }
  return readCertificateFile(path, 'DATASTORE_SSLKEY', provider);
}
