import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { isDatastoreError } from '../../errors.js';
import type { ConnectionConfig } from '../../config/types.js';
import { createDataStore } from '../../registry.js';
import '../index.js';
import { planTls } from './tls.js';

const dir = mkdtempSync(join(tmpdir(), 'nvs-tls-'));
const cert = join(dir, 'tls.crt');
const key = join(dir, 'tls.key');
const ca = join(dir, 'ca.crt');
writeFileSync(cert, 'CERT');
writeFileSync(key, 'KEY');
writeFileSync(ca, 'CA');
chmodSync(key, 0o600);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

const base: ConnectionConfig = { host: 'db.example', port: 5432, database: 'd' };

function certificateError(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(isDatastoreError(err, 'certificate'), String(err)).toBe(true);
    return (err as Error).message;
  }
  throw new Error('expected a certificate error');
}

describe('sslmode → node-postgres ssl options', () => {
  it('disable: no TLS; prefer/allow: unverified TLS with plain fallback', () => {
    expect(planTls({ ...base, sslmode: 'disable' })).toEqual({ ssl: false, fallbackToPlain: false });
    expect(planTls({ ...base, sslmode: 'prefer' })).toEqual({
      ssl: { rejectUnauthorized: false },
      fallbackToPlain: true,
    });
    expect(planTls({ ...base, sslmode: 'allow' }).fallbackToPlain).toBe(true);
  });

  it('require: TLS without verification, but verify-ca when a root certificate is given (as libpq)', () => {
    expect(planTls({ ...base, sslmode: 'require' })).toEqual({
      ssl: { rejectUnauthorized: false },
      fallbackToPlain: false,
    });
    const withCa = planTls({ ...base, sslmode: 'require', sslrootcert: ca });
    expect(withCa.ssl).toMatchObject({ rejectUnauthorized: true, ca: 'CA' });
  });

  it('verify-ca checks the chain only; verify-full also the host name', () => {
    const verifyCa = planTls({ ...base, sslmode: 'verify-ca', sslrootcert: ca });
    expect(verifyCa.ssl).toMatchObject({ rejectUnauthorized: true, ca: 'CA' });
    expect((verifyCa.ssl as { checkServerIdentity: () => unknown }).checkServerIdentity()).toBeUndefined();
    const full = planTls({ ...base, sslmode: 'verify-full', sslrootcert: ca, sslcert: cert, sslkey: key });
    expect(full.ssl).toMatchObject({
      rejectUnauthorized: true,
      ca: 'CA',
      cert: 'CERT',
      key: 'KEY',
      servername: 'db.example',
    });
    expect(full.fallbackToPlain).toBe(false);
  });

  it('a key readable by group or others is refused with the chmod fix', () => {
    const loose = join(dir, 'loose.key');
    writeFileSync(loose, 'KEY');
    chmodSync(loose, 0o640);
    const message = certificateError(() => planTls({ ...base, sslmode: 'require', sslcert: cert, sslkey: loose }));
    expect(message).toContain(loose);
    expect(message).toContain(`chmod 600 ${loose}`);
  });

  it('missing files and incomplete settings name the path or variable', () => {
    expect(
      certificateError(() => planTls({ ...base, sslmode: 'require', sslcert: join(dir, 'nope.crt'), sslkey: key })),
    ).toContain('nope.crt');
    expect(
      certificateError(() => planTls({ ...base, sslmode: 'require', sslcert: cert, sslkey: join(dir, 'nope.key') })),
    ).toContain('nope.key');
    expect(certificateError(() => planTls({ ...base, sslmode: 'verify-full' }))).toContain('DATASTORE_SSLROOTCERT');
    expect(certificateError(() => planTls({ ...base, sslmode: 'require', sslcert: cert }))).toContain(
      'DATASTORE_SSLKEY',
    );
  });

  it('createDataStore surfaces the certificate error before connecting', async () => {
    await expect(
      createDataStore({
        provider: 'postgresql',
        connection: { ...base, sslmode: 'verify-ca', sslrootcert: join(dir, 'missing-ca.crt') },
        options: {},
      }),
    ).rejects.toMatchObject({ code: 'certificate' });
  });
});
