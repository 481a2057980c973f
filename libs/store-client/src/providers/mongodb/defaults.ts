/** Upstream NVSentinel's names and defaults for the MongoDB store (behaviour reference §2.2, §3.3). */
export const MONGO_DEFAULTS = {
  databaseName: 'HealthEventsDatabase',
  healthEventsCollection: 'HealthEvents',
  maintenanceEventsCollection: 'MaintenanceEvents',
  resumeTokensCollection: 'ResumeTokens',
  /** MONGODB_COLLECTION_EXPIRY_SECONDS default: 30 days. */
  collectionExpirySeconds: 2_592_000,
  port: 27017,
} as const;

export interface MongoCollectionNames {
  healthEvents: string;
  maintenanceEvents: string;
  resumeTokens: string;
}

/** The `provider` label on every error and log line of this provider. */
export const PROVIDER_NAME = 'mongodb';
