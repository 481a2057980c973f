/**
 * Reads the client certificate, key and CA files named in the configuration into memory, so the
 * driver gets Node's native `cert`/`key`/`ca` TLS options. We read them ourselves (instead of
 * passing `tlsCertificateKeyFile`, which wants cert and key concatenated in ONE file) because
 * Kubernetes TLS secrets mount them as separate `tls.crt`/`tls.key`/`ca.crt` files, and because a
 * missing or unreadable file must fail at start-up with an error naming the path, not at the first
 * connection attempt deep inside the driver.
 */
import { readFile as fsReadFile } from 'node:fs/promises';

import type { TlsFiles } from '../../config/types.js';
import { DatastoreError } from '../../errors.js';

export type ReadFile = (path: string) => Promise<Buffer>;

export interface TlsMaterial {
  /** PEM client certificate chain; present together with `key`. */
  cert?: Buffer;
  key?: Buffer;
  /** PEM CA bundle used to verify the server. */
  ca?: Buffer;
}

const FIX =
  'Mount the client certificate secret (tls.crt, tls.key, ca.crt) at MONGODB_CLIENT_CERT_MOUNT_PATH, ' +
  'or point MONGODB_CLIENT_CERT_PATH / MONGODB_CLIENT_KEY_PATH / MONGODB_CA_CERT_PATH at existing files.';

/** Reads whichever of the three files are configured; none configured → empty material. */
export async function readTlsMaterial(
  files: TlsFiles | undefined,
  readFile: ReadFile = fsReadFile,
): Promise<TlsMaterial> {
  const material: TlsMaterial = {};
  if (!files) return material;
  const { certPath, keyPath, caPath } = files;

  if (certPath) {
    const cert = await readOne(certPath, 'client certificate', readFile);
    if (keyPath) {
      material.cert = cert;
      material.key = await readOne(keyPath, 'client key', readFile);
    } else if (containsPrivateKey(cert)) {
      // A combined PEM (the driver's tlsCertificateKeyFile format) carries both halves.
      material.cert = cert;
      material.key = cert;
    } else {
      throw new DatastoreError(
        'certificate',
        `client certificate '${certPath}' is configured without a key and holds no private key. ` +
          'Set MONGODB_CLIENT_KEY_PATH (or tls.keyPath), or use a PEM with both certificate and key.',
        { provider: 'mongodb', details: { path: certPath } },
      );
    }
  } else if (keyPath) {
    throw new DatastoreError(
      'certificate',
      `client key '${keyPath}' is configured without a client certificate. Set MONGODB_CLIENT_CERT_PATH (or tls.certPath) too.`,
      { provider: 'mongodb', details: { path: keyPath } },
    );
  }
  if (caPath) material.ca = await readOne(caPath, 'CA certificate', readFile);
  return material;
}

export function hasClientCertificate(material: TlsMaterial): boolean {
  return material.cert !== undefined && material.key !== undefined;
}

function containsPrivateKey(pem: Buffer): boolean {
  return /-----BEGIN (?:[A-Z]+ )?PRIVATE KEY-----/.test(pem.toString('latin1'));
}

async function readOne(path: string, what: string, readFile: ReadFile): Promise<Buffer> {
  try {
    const content = await readFile(path);
    if (content.length === 0) {
      throw new DatastoreError('certificate', `MongoDB ${what} file '${path}' is empty. ${FIX}`, {
        provider: 'mongodb',
        details: { path },
      });
    }
    return content;
  } catch (err) {
    if (err instanceof DatastoreError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    const reason =
      code === 'ENOENT'
        ? 'does not exist'
        : code === 'EACCES'
          ? 'is not readable by this process (check the file mode and the pod securityContext)'
          : `cannot be read (${code ?? String(err)})`;
    throw new DatastoreError('certificate', `MongoDB ${what} file '${path}' ${reason}. ${FIX}`, {
      provider: 'mongodb',
      cause: err,
      details: { path },
    });
  }
}
