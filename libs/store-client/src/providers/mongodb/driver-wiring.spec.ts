/**
 * Our options and calls checked against the real driver objects, without a server: the driver
 * builds clients, collections and change streams lazily, so their settings can be inspected,
 * and connecting to a closed port yields genuine driver errors.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { MongoClient, MongoServerSelectionError, ObjectId } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { DataStoreConfig } from '../../config/types.js';
import { isDatastoreError } from '../../errors.js';
import { createDataStore } from '../../registry.js';
import { DriverChangeStreamSource } from './change-stream-source.js';
import { resolveMongoConnection } from './connection-settings.js';
import { registerMongoProvider } from './register.js';
import { mongoIndexPlan } from './indexes.js';
import { MongoDataStore, openMongoDataStore } from './mongo-datastore.js';
import { decideRecovery } from './recovery.js';
import { RESUME_TOKEN_COLLECTION_OPTIONS } from './token-store.js';

/** Nothing listens on port 1; 150 ms server selection keeps the failures quick. */
const UNREACHABLE = 'mongodb://nvs:secret@127.0.0.1:1/?serverSelectionTimeoutMS=150';
const unreachableConfig: DataStoreConfig = {
  provider: 'mongodb',
  connection: { host: 'localhost', port: 27017, database: 'HealthEventsDatabase', uri: UNREACHABLE },
  options: {},
};

let client: MongoClient;
let dir: string;
beforeAll(async () => {
  client = new MongoClient(UNREACHABLE);
  dir = await mkdtemp(join(tmpdir(), 'nvs-mongo-wiring-'));
  await writeFile(join(dir, 'tls.crt'), '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n');
  await writeFile(join(dir, 'tls.key'), '-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----\n');
});
afterAll(async () => {
  await client.close();
  await rm(dir, { recursive: true, force: true });
});

describe('index plan', () => {
  it("has upstream's TTL and compound indexes, maintenance indexes and one token per client", () => {
    const plan = mongoIndexPlan(3600);
    const on = (collection: string) =>
      plan.filter((p) => p.collection === collection).map(({ key, options }) => ({ key, options }));
    expect(on('healthEvents')).toEqual([
      { key: { createdAt: 1 }, options: { expireAfterSeconds: 3600 } },
      {
        key: {
          'healthevent.nodename': 1,
          'healthevent.entitiesimpacted.entitytype': 1,
          'healthevent.entitiesimpacted.entityvalue': 1,
          'healthevent.generatedtimestamp.seconds': 1,
        },
        options: {},
      },
      { key: { 'healthevent.nodename': 1, 'healthevent.generatedtimestamp.seconds': 1 }, options: {} },
    ]);
    expect(Object.keys(on('healthEvents')[1].key)).toEqual([
      'healthevent.nodename',
      'healthevent.entitiesimpacted.entitytype',
      'healthevent.entitiesimpacted.entityvalue',
      'healthevent.generatedtimestamp.seconds',
    ]);
    expect(on('maintenanceEvents')).toEqual([
      { key: { eventId: 1 }, options: { unique: true } },
      { key: { scheduledStartTime: 1 }, options: {} },
      { key: { cspStatus: 1 }, options: {} },
      { key: { actualEndTime: 1 }, options: { expireAfterSeconds: 3600 } },
    ]);
    expect(on('resumeTokens')).toEqual([{ key: { clientName: 1 }, options: { unique: true } }]);
  });
});

describe('resume token collection', () => {
  it('writes with majority write concern and reads majority from the primary', () => {
    const tokens = client.db('HealthEventsDatabase').collection('ResumeTokens', RESUME_TOKEN_COLLECTION_OPTIONS);
    expect(tokens.writeConcern?.w).toBe('majority');
    expect(tokens.readConcern?.level).toBe('majority');
    expect(tokens.readPreference?.mode).toBe('primary');
  });
});

describe('DriverChangeStreamSource', () => {
  const pipeline = [
    { $match: { operationType: 'update' } },
    {
      $match: {
        $expr: {
          $eq: [
            { $getField: { field: 'healtheventstatus.nodequarantined', input: '$updateDescription.updatedFields' } },
            'Quarantined',
          ],
        },
      },
    },
  ];

  it('converts a hex documentKey._id to the ObjectId the server reports', async () => {
    const hex = '65f1a2b3c4d5e6f708091a2b';
    const stream = new DriverChangeStreamSource(client.db('db').collection('HealthEvents'), [
      { $match: { 'documentKey._id': hex } },
    ]).watch(undefined);
    try {
      expect(stream.pipeline).toEqual([{ $match: { 'documentKey._id': new ObjectId(hex) } }]);
    } finally {
      await stream.close();
    }
  });

  it('passes the pipeline to the server as given and asks for updateLookup', async () => {
    const source = new DriverChangeStreamSource(client.db('db').collection('HealthEvents'), pipeline);
    const stream = source.watch(undefined);
    try {
      expect(stream.pipeline).toEqual(pipeline);
      expect(stream.options.fullDocument).toBe('updateLookup');
      expect(stream.options.resumeAfter).toBeUndefined();
    } finally {
      await stream.close();
    }
  });

  it('resumes after the given token', async () => {
    const token = { _data: '8265F1A2B3000000012B' };
    const stream = new DriverChangeStreamSource(client.db('db').collection('HealthEvents'), []).watch(token);
    try {
      expect(stream.options.resumeAfter).toEqual(token);
      expect(stream.pipeline).toEqual([]);
    } finally {
      await stream.close();
    }
  });

  it('fails at open (not at the first read) when the server is unreachable, and that is retryable', async () => {
    const source = new DriverChangeStreamSource(client.db('db').collection('HealthEvents'), pipeline);
    const err = await source.open(undefined).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MongoServerSelectionError);
    expect(decideRecovery(err, { phase: 'initialization', openedWithToken: false })).toBe('retry');
  });
});

describe('client options accepted by the driver', () => {
  it('X.509: the driver builds $external MONGODB-X509 credentials from our options', async () => {
    const settings = await resolveMongoConnection({
      ...unreachableConfig,
      connection: {
        ...unreachableConfig.connection,
        uri: 'mongodb://127.0.0.1:1/?replicaSet=rs0',
        tls: { certPath: join(dir, 'tls.crt'), keyPath: join(dir, 'tls.key') },
      },
    });
    const x509 = new MongoClient(settings.uri, settings.clientOptions);
    expect(x509.options.credentials?.mechanism).toBe('MONGODB-X509');
    expect(x509.options.credentials?.source).toBe('$external');
    expect(x509.options.tls).toBe(true);
    await x509.close();
  });

  it('SCRAM: username and password become default-mechanism credentials against admin', async () => {
    const settings = await resolveMongoConnection({
      ...unreachableConfig,
      connection: { ...unreachableConfig.connection, uri: 'mongodb://127.0.0.1:1/', username: 'nvs', password: 'p@ss' },
    });
    const scram = new MongoClient(settings.uri, settings.clientOptions);
    expect(scram.options.credentials?.username).toBe('nvs');
    expect(scram.options.credentials?.password).toBe('p@ss');
    expect(scram.options.credentials?.source).toBe('admin');
    await scram.close();
  });
});

describe('openMongoDataStore', () => {
  it('reports an unreachable server as a connection error without leaking the password', async () => {
    const err = await openMongoDataStore(unreachableConfig).catch((e: unknown) => e);
    expect(isDatastoreError(err, 'connection')).toBe(true);
    expect((err as Error).message).toMatch(/connecting to mongodb:\/\/nvs:\*\*\*@127\.0\.0\.1:1/);
    expect((err as Error).message).not.toMatch(/secret/);
  });

  it('is what createDataStore uses for provider mongodb once registered', async () => {
    registerMongoProvider();
    const err = await createDataStore(unreachableConfig).catch((e: unknown) => e);
    expect(isDatastoreError(err, 'connection')).toBe(true);
  });

  it('rejects invalid URI options as a configuration error', async () => {
    const err = await openMongoDataStore({
      ...unreachableConfig,
      connection: { ...unreachableConfig.connection, uri: 'mongodb://127.0.0.1:1/?authMechanism=NOPE' },
    }).catch((e: unknown) => e);
    expect(isDatastoreError(err, 'configuration')).toBe(true);
  });
});

describe('store argument checks (decided before any round trip)', () => {
  const hex = '65f1a2b3c4d5e6f708091a2b';
  let ds: MongoDataStore;
  beforeAll(async () => {
    // Constructed over a client that never connects: only checks that need no server may pass.
    ds = new MongoDataStore(new MongoClient(UNREACHABLE), await resolveMongoConnection(unreachableConfig));
  });
  afterAll(async () => {
    await ds.close();
  });

  it('empty ids are invalid; ids that cannot be ObjectIds are unknown', async () => {
    const store = ds.healthEventStore();
    await expect(store.findHealthEventById('')).rejects.toMatchObject({ code: 'validation' });
    expect(await store.findHealthEventById('00000000-0000-4000-8000-000000000000')).toBeNull();
    await expect(store.updateNodeQuarantineStatus('not-a-stored-id', 'Quarantined')).rejects.toMatchObject({
      code: 'not_found',
    });
    await expect(store.deleteHealthEvent('not-a-stored-id')).rejects.toMatchObject({ code: 'not_found' });
  });

  it('rejects unusable arguments with validation errors', async () => {
    const store = ds.healthEventStore();
    await expect(store.updateSpanId(hex, 'a.b', 'x')).rejects.toMatchObject({ code: 'validation' });
    await expect(store.updateRemediationStatus(hex, 'yes' as unknown as boolean)).rejects.toMatchObject({
      code: 'validation',
    });
    await expect(store.updateHealthEventsByFilter({}, { $inc: { x: 1 } })).rejects.toMatchObject({
      code: 'validation',
    });
    await expect(store.updateHealthEventsByFilter({}, { _id: 'x' })).rejects.toMatchObject({ code: 'validation' });
    await expect(store.findHealthEventsByQueryBatched({}, 0, () => undefined)).rejects.toMatchObject({
      code: 'validation',
    });
    await expect(store.insertHealthEvents({} as never)).rejects.toMatchObject({ code: 'validation' });
    await expect(ds.maintenanceEventStore().updateEventStatus('e1', 'NOPE' as never)).rejects.toMatchObject({
      code: 'validation',
    });
  });

  it('watch needs a clientName and accepts only $match stages', () => {
    const store = ds.healthEventStore();
    expect(() => store.watch({ clientName: '' })).toThrow(/clientName is required/);
    expect(() => store.watch({ clientName: 'x', pipeline: [{ $project: { a: 1 } }] })).toThrow(/stage 0 is \$project/);
    expect(() => store.watch({ clientName: 'x', pipeline: [{ $match: {} }, { $match: {}, $limit: 1 }] })).toThrow(
      /stage 1/,
    );
  });

  it('after close every call fails with code closed, and close is idempotent', async () => {
    const closing = new MongoDataStore(new MongoClient(UNREACHABLE), await resolveMongoConnection(unreachableConfig));
    const store = closing.healthEventStore();
    await closing.close();
    await closing.close();
    await expect(closing.healthEventStore().findHealthEventsByNode('x')).rejects.toMatchObject({ code: 'closed' });
    await expect(store.countHealthEvents()).rejects.toMatchObject({ code: 'closed' });
    await expect(closing.ping()).rejects.toMatchObject({ code: 'closed' });
    expect(() => store.watch({ clientName: 'x' })).toThrow(/closed/);
  });
});
