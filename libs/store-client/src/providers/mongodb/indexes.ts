/**
 * The indexes upstream NVSentinel has on its MongoDB collections, as data (`mongoIndexPlan`) and
 * the idempotent start-up step that creates them (`ensureIndexes`, also what a migration command
 * runs). Creating an index that already exists with the same options is a no-op on the server;
 * a changed TTL (MONGODB_COLLECTION_EXPIRY_SECONDS edited) is applied with collMod instead of
 * failing, so restarting with a new expiry just works.
 */
import type { CreateIndexesOptions, Db, IndexSpecification } from 'mongodb';
import { DocumentPaths, MaintenanceDocumentPaths } from '@nvsentinel/health-model';

import { DatastoreError } from '../../errors.js';
import { PROVIDER_NAME, type MongoCollectionNames } from './defaults.js';
import { ServerCode, serverErrorCode, toDatastoreError } from './driver-errors.js';
import type { MongoLogger } from './hooks.js';

export interface IndexPlanEntry {
  collection: keyof MongoCollectionNames;
  key: Record<string, 1 | -1>;
  options: CreateIndexesOptions;
}

export function mongoIndexPlan(expirySeconds: number): IndexPlanEntry[] {
  return [
    // Documents expire `expirySeconds` after insertion (upstream's TTL).
    {
      collection: 'healthEvents',
      key: { [DocumentPaths.createdAt]: 1 },
      options: { expireAfterSeconds: expirySeconds },
    },
    // Upstream's compound index: per-node lookups, narrowed by entity and event time.
    {
      collection: 'healthEvents',
      key: {
        [DocumentPaths.nodeName]: 1,
        [DocumentPaths.entityType]: 1,
        [DocumentPaths.entityValue]: 1,
        [DocumentPaths.generatedTimestampSeconds]: 1,
      },
      options: {},
    },
    // Analyzer rules: one node's events inside a time window (upstream #1851).
    {
      collection: 'healthEvents',
      key: { [DocumentPaths.nodeName]: 1, [DocumentPaths.generatedTimestampSeconds]: 1 },
      options: {},
    },
    { collection: 'maintenanceEvents', key: { [MaintenanceDocumentPaths.eventId]: 1 }, options: { unique: true } },
    { collection: 'maintenanceEvents', key: { [MaintenanceDocumentPaths.scheduledStartTime]: 1 }, options: {} },
    { collection: 'maintenanceEvents', key: { [MaintenanceDocumentPaths.cspStatus]: 1 }, options: {} },
    // Finished maintenance expires like health events; events without an end time never do.
    {
      collection: 'maintenanceEvents',
      key: { [MaintenanceDocumentPaths.actualEndTime]: 1 },
      options: { expireAfterSeconds: expirySeconds },
    },
    { collection: 'resumeTokens', key: { clientName: 1 }, options: { unique: true } },
  ];
}

export async function ensureIndexes(
  db: Db,
  names: MongoCollectionNames,
  expirySeconds: number,
  logger: MongoLogger,
): Promise<void> {
  for (const entry of mongoIndexPlan(expirySeconds)) {
    const collectionName = names[entry.collection];
    try {
      await db.collection(collectionName).createIndex(entry.key as IndexSpecification, entry.options);
    } catch (err) {
      const code = serverErrorCode(err);
      if (code === ServerCode.IndexOptionsConflict && entry.options.expireAfterSeconds !== undefined) {
        await updateTtl(db, collectionName, entry.key, entry.options.expireAfterSeconds, logger);
        continue;
      }
      if (code === ServerCode.IndexOptionsConflict || code === ServerCode.IndexKeySpecsConflict) {
        throw new DatastoreError(
          'configuration',
          `an index on ${collectionName} ${JSON.stringify(entry.key)} exists with different options than NVSentinel needs ` +
            `(${JSON.stringify(entry.options)}). Drop that index (db.${collectionName}.dropIndex(...)) and restart.`,
          { provider: PROVIDER_NAME, cause: err },
        );
      }
      throw toDatastoreError(err, 'configuration', `creating index ${JSON.stringify(entry.key)} on ${collectionName}`);
    }
  }
}

/**
 * A TTL that cannot be changed is not worth refusing to start over (collMod needs the dbAdmin
 * role, which the application user usually lacks): warn with the command that fixes it.
 */
async function updateTtl(
  db: Db,
  collection: string,
  keyPattern: Record<string, 1 | -1>,
  expireAfterSeconds: number,
  logger: MongoLogger,
): Promise<void> {
  const command = { collMod: collection, index: { keyPattern, expireAfterSeconds } };
  try {
    await db.command(command);
  } catch (err) {
    logger.warn(
      { err, collection, expireAfterSeconds, fix: `db.runCommand(${JSON.stringify(command)})` },
      'could not change the TTL of an existing index; the old expiry stays until a user with dbAdmin runs the fix',
    );
  }
}
