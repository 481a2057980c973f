/**
 * Serving credentials from certificate and key files that are re-read while the server runs, so a
 * cert-manager renewal (a Secret update rewriting the mounted files) needs no restart — upstream
 * does the same with controller-runtime's certwatcher. New connections get the new certificate;
 * open ones keep theirs. Node's default minimum protocol, TLS 1.2, matches upstream.
 */
import { access, constants } from 'node:fs/promises';
import { ServerCredentials, experimental } from '@grpc/grpc-js';
import { CspServerConfigError } from '../providers/errors.js';

export interface TlsFiles {
  certPath: string;
  keyPath: string;
  /** How often the files are re-read. */
  refreshIntervalMs: number;
}

/** Checks both files are readable now, so a bad mount fails start-up with a clear message. */
export async function serverCredentials(tls: TlsFiles | undefined): Promise<ServerCredentials> {
  if (!tls) return ServerCredentials.createInsecure();
  for (const [what, path] of [
    ['TLS_CERT_PATH', tls.certPath],
    ['TLS_KEY_PATH', tls.keyPath],
  ] as const) {
    try {
      await access(path, constants.R_OK);
    } catch (error) {
      throw new CspServerConfigError(
        `${what}=${path} cannot be read (${(error as Error).message}); mount the certificate secret there`,
        { cause: error },
      );
    }
  }
  const provider = new experimental.FileWatcherCertificateProvider({
    certificateFile: tls.certPath,
    privateKeyFile: tls.keyPath,
    refreshIntervalMs: tls.refreshIntervalMs,
  });
  // grpc-js names the first parameter caCertificateProvider in its typings, but it is the identity one.
  return experimental.createCertificateProviderServerCredentials(provider, null, false);
}
