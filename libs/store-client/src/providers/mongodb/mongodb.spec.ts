/**
 * The shared DataStore contract plus MongoDB-specific checks, against a real replica set named by
 * NVSENTINEL_TEST_MONGODB_URI. Without it the whole file is skipped and says so in one line:
 * there is no MongoDB on our CI machines, and a mock of the database would prove nothing.
 * Each run works in throw-away databases that are dropped afterwards.
 */
import { MongoClient, ObjectId } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { DataStoreConfig, DataStoreOptions } from '../../config/types.js';
import { createDataStore } from '../../registry.js';
import { describeDataStoreContract } from '../../testing/contract.js';
import { sampleHealthEvent, StreamReader, uniqueName } from '../../testing/contract-support.js';
import type { HistoryLostInfo, MongoWatchOptions } from './hooks.js';
import { registerMongoProvider } from './register.js';
import { openMongoDataStore, type MongoDataStore } from './mongo-datastore.js';

const uri = process.env.NVSENTINEL_TEST_MONGODB_URI;

if (!uri) {
  console.log(
    "MongoDB suite skipped: set NVSENTINEL_TEST_MONGODB_URI to a replica-set URI (e.g. docker run -p 27017:27017 mongo:8 --replSet rs0 && mongosh --eval 'rs.initiate()') to run it",
  );
}

function testDatabaseName(prefix: string): string {
  return `${prefix}_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
}

function configFor(database: string, options: DataStoreOptions = {}): DataStoreConfig {
  return { provider: 'mongodb', connection: { host: '', port: 0, database, uri }, options };
}

async function dropDatabase(database: string): Promise<void> {
  const admin = new MongoClient(uri!);
  try {
    await admin.db(database).dropDatabase();
  } finally {
    await admin.close();
  }
}

describe.skipIf(!uri)('mongodb provider on a real replica set', () => {
  registerMongoProvider();

  describeDataStoreContract('mongodb', async () => {
    const database = testDatabaseName('nvs_contract');
    return {
      connect: (options) => createDataStore(configFor(database, options)),
      dispose: () => dropDatabase(database),
    };
  });

  describe('MongoDB specifics', () => {
    const database = testDatabaseName('nvs_mongo');
    let ds: MongoDataStore;
    let raw: MongoClient;

    beforeAll(async () => {
      ds = await openMongoDataStore(configFor(database, { collectionExpirySeconds: 3600 }));
      raw = new MongoClient(uri!);
    });
    afterAll(async () => {
      await ds?.close();
      await raw?.close();
      await dropDatabase(database);
    });

    it("creates upstream's indexes idempotently and applies a changed TTL", async () => {
      const ttl = async () =>
        (await raw.db(database).collection('HealthEvents').indexes()).find((i) => i.key.createdAt === 1)
          ?.expireAfterSeconds;
      expect(await ttl()).toBe(3600);
      const names = (await raw.db(database).collection('HealthEvents').indexes()).map((i) =>
        Object.keys(i.key).join(','),
      );
      expect(names).toContain(
        'healthevent.nodename,healthevent.entitiesimpacted.entitytype,healthevent.entitiesimpacted.entityvalue,healthevent.generatedtimestamp.seconds',
      );
      const again = await openMongoDataStore(configFor(database, { collectionExpirySeconds: 7200 }));
      await again.close();
      expect(await ttl()).toBe(7200);
    });

    it('stores _id as an ObjectId and matches hex-string _id filters against it', async () => {
      const store = ds.healthEventStore();
      const [id] = await store.insertHealthEvents({ healthEvent: sampleHealthEvent({ nodeName: uniqueName('node') }) });
      const stored = await raw
        .db(database)
        .collection('HealthEvents')
        .findOne({ _id: new ObjectId(id) });
      expect(stored?._id).toBeInstanceOf(ObjectId);
      expect((await store.findHealthEventsByFilter({ _id: id! })).map((e) => e.id)).toEqual([id]);
      expect(await store.countHealthEvents({ _id: { $in: [id!] } })).toBe(1);
      const [doc] = await store.aggregate([{ $match: { _id: new ObjectId(id) } }]);
      expect(doc?._id).toBe(id); // results come back canonical
    });

    it("keeps resume tokens in upstream's shape: one {clientName, resumeToken} document per consumer", async () => {
      const store = ds.healthEventStore();
      const node = uniqueName('node');
      const clientName = uniqueName('client');
      const reader = new StreamReader(
        store.watch({ clientName, pipeline: [{ $match: { 'fullDocument.healthevent.nodename': node } }] }),
      );
      try {
        expect(await reader.next(300)).toBeUndefined();
        await store.insertHealthEvents({ healthEvent: sampleHealthEvent({ nodeName: node }) });
        const [event] = await reader.take(1);
        await reader.stream.markProcessed(event!.resumeToken);
        const tokens = await raw.db(database).collection('ResumeTokens').find({ clientName }).toArray();
        expect(tokens).toHaveLength(1);
        expect(typeof (tokens[0]!.resumeToken as { _data: unknown })._data).toBe('string');
      } finally {
        await reader.close();
      }
    });

    it('a dropped collection invalidates the stream: the consumer is told and the stream restarts from now', async () => {
      const isolated = testDatabaseName('nvs_drop');
      const lost: HistoryLostInfo[] = [];
      const own = await openMongoDataStore(configFor(isolated));
      try {
        const store = own.healthEventStore();
        const node = uniqueName('node');
        const pipeline = [{ $match: { 'fullDocument.healthevent.nodename': node } }];
        const options: MongoWatchOptions = {
          clientName: 'dropper',
          pipeline,
          onHistoryLost: (info) => void lost.push(info),
        };
        const reader = new StreamReader(store.watch(options));
        expect(await reader.next(300)).toBeUndefined();
        await store.insertHealthEvents({ healthEvent: sampleHealthEvent({ nodeName: node }) });
        await reader.take(1);
        await raw.db(isolated).collection('HealthEvents').drop();
        // Keep reading so the stream sees the drop and reopens from now before the next insert.
        expect(await reader.next(1_000)).toBeUndefined();
        const [after] = await store.insertHealthEvents({ healthEvent: sampleHealthEvent({ nodeName: node }) });
        const [event] = await reader.take(1);
        expect(event!.documentKey._id).toBe(after);
        expect(lost.map((l) => l.reason)).toEqual(['invalidated']);
        await reader.close();
      } finally {
        await own.close();
        await dropDatabase(isolated);
      }
    });
  });
});
