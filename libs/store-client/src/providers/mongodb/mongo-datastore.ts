/**
 * The `mongodb` provider's DataStore: one MongoClient (its own connection pool), the two stores,
 * index creation at start-up, and the replica-set check the first watch() needs.
 */
import { MongoClient, type Db } from 'mongodb';

import type { DataStoreConfig } from '../../config/types.js';
import { DatastoreError } from '../../errors.js';
import type {
  ChangeStream,
  DataStore,
  DataStoreCapabilities,
  HealthEventStore,
  MaintenanceEventStore,
} from '../../interfaces.js';
import {
  describeMongoConnection,
  resolveMongoConnection,
  type MongoConnectionSettings,
} from './connection-settings.js';
import { PROVIDER_NAME } from './defaults.js';
import { serverErrorCode, toDatastoreError } from './driver-errors.js';
import { MongoHealthEventStore } from './health-event-store.js';
import { stderrLogger, type MongoLogger, type MongoProviderHooks } from './hooks.js';
import { ensureIndexes } from './indexes.js';
import { MongoMaintenanceEventStore } from './maintenance-event-store.js';
import {
  CHANGE_STREAM_NEEDS_REPLICA_SET_CODE,
  checkChangeStreamTopology,
  replicaSetRequiredError,
  type HelloTopology,
} from './replica-set.js';
import { runMapped, type MongoStoreContext } from './store-context.js';
import type { ReadFile } from './tls-material.js';

export interface MongoProviderOptions extends MongoProviderHooks {
  /** Create the indexes at start-up (idempotent). Default true. */
  ensureIndexes?: boolean;
  /** Reads the TLS files; defaults to fs.readFile. */
  readFile?: ReadFile;
}

const MONGO_CAPABILITIES: DataStoreCapabilities = {
  serverSideChangeStreamFilter: true,
  concurrentConnections: true,
  ttlExpiry: true,
  ownChangelog: false,
};

/** Connects (the driver verifies the server and credentials), then creates the indexes. */
export async function openMongoDataStore(
  config: DataStoreConfig,
  options: MongoProviderOptions = {},
): Promise<MongoDataStore> {
  const settings = await resolveMongoConnection(config, options.readFile);
  let client: MongoClient;
  try {
    client = new MongoClient(settings.uri, settings.clientOptions);
  } catch (err) {
    // Invalid URI options are rejected synchronously by the constructor.
    throw toDatastoreError(
      err,
      'configuration',
      `parsing the MongoDB connection settings (${describeMongoConnection(settings)})`,
    );
  }
  try {
    await client.connect();
  } catch (err) {
    await client.close().catch(() => undefined);
    throw toDatastoreError(err, 'connection', `connecting to ${describeMongoConnection(settings)}`);
  }
  const store = new MongoDataStore(client, settings, options);
  if (options.ensureIndexes !== false) {
    try {
      await store.ensureIndexes();
    } catch (err) {
      await store.close();
      throw err;
    }
  }
  (options.logger ?? stderrLogger).info({ connection: describeMongoConnection(settings) }, 'MongoDB datastore ready');
  return store;
}

export class MongoDataStore implements DataStore {
  readonly provider = PROVIDER_NAME;
  readonly capabilities = MONGO_CAPABILITIES;
  readonly settings: MongoConnectionSettings;
  readonly #client: MongoClient;
  readonly #db: Db;
  readonly #healthEvents: MongoHealthEventStore;
  readonly #maintenanceEvents: MongoMaintenanceEventStore;
  readonly #streams = new Set<ChangeStream>();
  readonly #logger: MongoLogger;
  #topologyCheck: Promise<void> | undefined;
  #looksStandalone = false;
  #closed = false;

  constructor(client: MongoClient, settings: MongoConnectionSettings, options: MongoProviderOptions = {}) {
    this.#client = client;
    this.settings = settings;
    this.#db = client.db(settings.databaseName);
    const ctx: MongoStoreContext = {
      db: this.#db,
      names: settings.collections,
      healthEvents: this.#db.collection(settings.collections.healthEvents),
      maintenanceEvents: this.#db.collection(settings.collections.maintenanceEvents),
      logger: options.logger ?? stderrLogger,
      hooks: options,
      changeStreamPolicy: settings.changeStreamPolicy,
      inspectTopology: () => this.#inspectTopology(),
      explainChangeStreamFailure: (err) => this.#explainChangeStreamFailure(err),
      run: (code, action, fn) => {
        this.#assertOpen();
        return runMapped(code, action, fn);
      },
      // Tracked so close() also closes every open change stream.
      streamOpened: (stream) => {
        this.#assertOpen();
        this.#streams.add(stream);
      },
      streamClosed: (stream) => this.#streams.delete(stream),
    };
    this.#logger = ctx.logger;
    this.#healthEvents = new MongoHealthEventStore(ctx);
    this.#maintenanceEvents = new MongoMaintenanceEventStore(ctx);
  }

  /** Usable until close(); afterwards every call fails with code `closed`. */
  healthEventStore(): HealthEventStore {
    return this.#healthEvents;
  }

  maintenanceEventStore(): MaintenanceEventStore {
    return this.#maintenanceEvents;
  }

  async ping(): Promise<void> {
    this.#assertOpen();
    try {
      await this.#db.command({ ping: 1 });
    } catch (err) {
      throw toDatastoreError(err, 'connection', 'ping');
    }
  }

  /** Creates upstream's indexes (TTL, compound, maintenance, resume tokens); safe to repeat. */
  ensureIndexes(): Promise<void> {
    this.#assertOpen();
    return ensureIndexes(this.#db, this.settings.collections, this.settings.collectionExpirySeconds, this.#logger);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await Promise.allSettled([...this.#streams].map((s) => s.close()));
    await this.#client.close();
  }

  /**
   * Memoised; a failed look (e.g. server not up yet) is retried by the next caller. A standalone
   * verdict does not fail here: the server has the last word (some MongoDB-compatible services
   * answer `hello` unusually but do support change streams), and if it refuses, the refusal is
   * explained with the verdict's message.
   */
  #inspectTopology(): Promise<void> {
    this.#topologyCheck ??= this.#checkTopology().catch((err: unknown) => {
      this.#topologyCheck = undefined;
      throw err;
    });
    return this.#topologyCheck;
  }

  async #checkTopology(): Promise<void> {
    let hello: HelloTopology;
    try {
      hello = (await this.#db.admin().command({ hello: 1 })) as HelloTopology;
    } catch (err) {
      throw toDatastoreError(err, 'connection', 'asking the server for its topology (hello)');
    }
    const verdict = checkChangeStreamTopology(this.settings.uri, this.settings.uriFacts, hello);
    this.#looksStandalone = !verdict.ok;
    if (verdict.ok && verdict.warning) this.#logger.warn({}, verdict.warning);
  }

  #explainChangeStreamFailure(err: unknown): DatastoreError | undefined {
    if (serverErrorCode(err) === CHANGE_STREAM_NEEDS_REPLICA_SET_CODE || this.#looksStandalone) {
      return replicaSetRequiredError(this.settings.uri, this.settings.uriFacts, err);
    }
    return undefined;
  }

  #assertOpen(): void {
    if (this.#closed) {
      throw new DatastoreError('closed', 'this MongoDB datastore was closed; create a new one with createDataStore()', {
        provider: PROVIDER_NAME,
      });
    }
  }
}

/** The migration entry point for MongoDB: connect, create the indexes, disconnect. */
export async function ensureMongoIndexes(config: DataStoreConfig, options: MongoProviderOptions = {}): Promise<void> {
  const store = await openMongoDataStore(config, { ...options, ensureIndexes: false });
  try {
    await store.ensureIndexes();
  } finally {
    await store.close();
  }
}
