import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { DataStoreConfig } from '../../config/types.js';
import { isDatastoreError } from '../../errors.js';
import { describeMongoConnection, resolveMongoConnection } from './connection-settings.js';

const CERT = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
const KEY = '-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----\n';
const CA = '-----BEGIN CERTIFICATE-----\nCA\n-----END CERTIFICATE-----\n';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'nvs-mongo-tls-'));
  await writeFile(join(dir, 'tls.crt'), CERT);
  await writeFile(join(dir, 'tls.key'), KEY);
  await writeFile(join(dir, 'ca.crt'), CA);
  await writeFile(join(dir, 'combined.pem'), CERT + KEY);
  await writeFile(join(dir, 'empty.crt'), '');
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function config(
  connection: Partial<DataStoreConfig['connection']>,
  options: DataStoreConfig['options'] = {},
): DataStoreConfig {
  return { provider: 'mongodb', connection: { host: 'localhost', port: 27017, database: '', ...connection }, options };
}

describe('resolveMongoConnection', () => {
  it('uses the legacy MONGODB_URI unchanged and upstream defaults for names', async () => {
    const s = await resolveMongoConnection(config({ uri: 'mongodb://m0:27017/?replicaSet=rs0' }));
    expect(s.uri).toBe('mongodb://m0:27017/?replicaSet=rs0');
    expect(s.databaseName).toBe('HealthEventsDatabase');
    expect(s.collections).toEqual({
      healthEvents: 'HealthEvents',
      maintenanceEvents: 'MaintenanceEvents',
      resumeTokens: 'ResumeTokens',
    });
    expect(s.collectionExpirySeconds).toBe(2_592_000);
    expect(s.clientOptions.tls).toBeUndefined();
    expect(s.authentication).toBe('none');
  });

  it('builds a URI from host, port and extra parameters when no URI is given', async () => {
    const s = await resolveMongoConnection(
      config({ host: 'mongo.svc', port: 27018, extraParams: { replicaSet: 'rs0' } }),
    );
    expect(s.uri).toBe('mongodb://mongo.svc:27018/?replicaSet=rs0');
  });

  it('takes the database, collection names, expiry, app name and pool settings from the config', async () => {
    const s = await resolveMongoConnection(
      config(
        { uri: 'mongodb://h/fromUri', database: 'nvsentinel' },
        {
          healthEventsCollection: 'HE',
          maintenanceEventsCollection: 'ME',
          resumeTokensCollection: 'RT',
          collectionExpirySeconds: 3600,
          appName: 'fault-quarantine',
          maxConnections: 25,
          connectTimeoutMs: 5000,
        },
      ),
    );
    expect(s.databaseName).toBe('nvsentinel');
    expect(s.collections).toEqual({ healthEvents: 'HE', maintenanceEvents: 'ME', resumeTokens: 'RT' });
    expect(s.collectionExpirySeconds).toBe(3600);
    expect(s.clientOptions).toMatchObject({ appName: 'fault-quarantine', maxPoolSize: 25, connectTimeoutMS: 5000 });
  });

  it('bounds change-stream reconnects by the configured retry deadline and interval', async () => {
    const defaults = await resolveMongoConnection(config({ uri: 'mongodb://h/' }));
    expect(defaults.changeStreamPolicy).toMatchObject({ deadlineMs: Number.POSITIVE_INFINITY, maxDelayMs: 3_000 });
    const chart = await resolveMongoConnection(
      config({ uri: 'mongodb://h/' }, { changeStreamRetryDeadlineMs: 300_000, changeStreamRetryIntervalMs: 5_000 }),
    );
    expect(chart.changeStreamPolicy).toMatchObject({ deadlineMs: 300_000, maxDelayMs: 5_000, initialDelayMs: 250 });
    const err = await resolveMongoConnection(
      config({ uri: 'mongodb://h/' }, { changeStreamRetryDeadlineMs: 1_000, changeStreamRetryIntervalMs: 5_000 }),
    ).catch((e: unknown) => e);
    expect(isDatastoreError(err, 'configuration')).toBe(true);
    expect((err as Error).message).toMatch(/MONGODB_CHANGE_STREAM_RETRY_INTERVAL_SECONDS/);
  });

  it('falls back to the database in the URI path', async () => {
    const s = await resolveMongoConnection(config({ uri: 'mongodb://h/fromUri' }));
    expect(s.databaseName).toBe('fromUri');
  });

  it('reads cert, key and CA and authenticates with X.509 when there is no username', async () => {
    const s = await resolveMongoConnection(
      config({
        uri: 'mongodb://h/?replicaSet=rs0',
        tls: { certPath: join(dir, 'tls.crt'), keyPath: join(dir, 'tls.key'), caPath: join(dir, 'ca.crt') },
      }),
    );
    expect(s.clientOptions.tls).toBe(true);
    expect(String(s.clientOptions.cert)).toBe(CERT);
    expect(String(s.clientOptions.key)).toBe(KEY);
    expect(String(s.clientOptions.ca)).toBe(CA);
    expect(s.clientOptions.authMechanism).toBe('MONGODB-X509');
    expect(s.clientOptions.authSource).toBe('$external');
    expect(s.authentication).toBe('x509');
    expect(describeMongoConnection(s)).toBe('mongodb://h/?replicaSet=rs0 db=HealthEventsDatabase auth=x509 tls');
  });

  it('uses SCRAM with the configured username and password, and TLS with only a CA (DocumentDB)', async () => {
    const s = await resolveMongoConnection(
      config({ uri: 'mongodb://h/', username: 'nvs', password: 'p@ss/word', tls: { caPath: join(dir, 'ca.crt') } }),
    );
    expect(s.clientOptions.auth).toEqual({ username: 'nvs', password: 'p@ss/word' });
    expect(s.clientOptions.authMechanism).toBeUndefined();
    expect(s.clientOptions.tls).toBe(true);
    expect(s.clientOptions.cert).toBeUndefined();
    expect(s.authentication).toBe('scram');
  });

  it('leaves authentication to credentials or a mechanism already in the URI', async () => {
    const tls = { certPath: join(dir, 'tls.crt'), keyPath: join(dir, 'tls.key') };
    const withUser = await resolveMongoConnection(config({ uri: 'mongodb://u:p@h/', tls }));
    expect(withUser.clientOptions.authMechanism).toBeUndefined();
    expect(withUser.authentication).toBe('uri');
    const withMechanism = await resolveMongoConnection(
      config({ uri: 'mongodb://h/?authMechanism=SCRAM-SHA-256', tls }),
    );
    expect(withMechanism.clientOptions.authMechanism).toBeUndefined();
  });

  it('accepts one PEM holding both certificate and key', async () => {
    const s = await resolveMongoConnection(
      config({ uri: 'mongodb://h/', tls: { certPath: join(dir, 'combined.pem') } }),
    );
    expect(String(s.clientOptions.cert)).toBe(CERT + KEY);
    expect(s.clientOptions.key).toEqual(s.clientOptions.cert);
  });

  it('falls back to the DATASTORE_SSLCERT/SSLKEY/SSLROOTCERT paths and sslmode', async () => {
    const s = await resolveMongoConnection(
      config({
        uri: 'mongodb://h/',
        sslcert: join(dir, 'tls.crt'),
        sslkey: join(dir, 'tls.key'),
        sslmode: 'verify-ca',
      }),
    );
    expect(s.clientOptions.cert).toBeDefined();
    expect(s.clientOptions.tlsAllowInvalidHostnames).toBe(true);
    const required = await resolveMongoConnection(config({ uri: 'mongodb://h/', sslmode: 'require' }));
    expect(required.clientOptions.tls).toBe(true);
  });

  it.each([
    [{ certPath: '/nonexistent/tls.crt', keyPath: '/nonexistent/tls.key' }, '/nonexistent/tls.crt', /does not exist/],
    [{ caPath: '/nonexistent/ca.crt' }, '/nonexistent/ca.crt', /does not exist/],
    [{ certPath: 'EMPTY' }, 'empty.crt', /is empty/],
    [{ certPath: 'CERT_ONLY' }, 'tls.crt', /without a key/],
    [{ keyPath: 'KEY_ONLY' }, 'tls.key', /without a client certificate/],
  ])('fails with a certificate error naming the file for %j', async (tls, path, reason) => {
    const resolved = Object.fromEntries(
      Object.entries(tls).map(([k, v]) => [
        k,
        v === 'EMPTY'
          ? join(dir, 'empty.crt')
          : v === 'CERT_ONLY'
            ? join(dir, 'tls.crt')
            : v === 'KEY_ONLY'
              ? join(dir, 'tls.key')
              : v,
      ]),
    );
    const err = await resolveMongoConnection(config({ uri: 'mongodb://h/', tls: resolved })).catch((e: unknown) => e);
    expect(isDatastoreError(err, 'certificate')).toBe(true);
    expect((err as Error).message).toContain(path);
    expect((err as Error).message).toMatch(reason);
  });

  it('tells how to fix a missing file', async () => {
    const err = await resolveMongoConnection(config({ uri: 'mongodb://h/', tls: { caPath: '/nope/ca.crt' } })).catch(
      (e: unknown) => e,
    );
    expect((err as Error).message).toMatch(/MONGODB_CLIENT_CERT_MOUNT_PATH/);
  });

  it.each([0, -5, 1.5, 'soon'])('rejects collection expiry %j', async (value) => {
    const err = await resolveMongoConnection(
      config({ uri: 'mongodb://h/' }, { collectionExpirySeconds: value as number }),
    ).catch((e: unknown) => e);
    expect(isDatastoreError(err, 'configuration')).toBe(true);
    expect((err as Error).message).toMatch(/MONGODB_COLLECTION_EXPIRY_SECONDS/);
  });

  it('requires a URI or a host', async () => {
    const err = await resolveMongoConnection(config({ host: '' })).catch((e: unknown) => e);
    expect(isDatastoreError(err, 'configuration')).toBe(true);
    expect((err as Error).message).toMatch(/MONGODB_URI/);
  });
});
