/**
 * The `mongodb` provider: upstream NVSentinel's original backend behind the shared DataStore
 * interface. Importing this module loads the MongoDB driver; the package root registers the
 * provider through `register.ts` and `../lazy.ts`, which do not.
 */
export { registerMongoProvider } from './register.js';
export {
  openMongoDataStore,
  ensureMongoIndexes,
  MongoDataStore,
  MONGO_CAPABILITIES,
  type MongoProviderOptions,
} from './mongo-datastore.js';
export type {
  HistoryLostInfo,
  HistoryLostListener,
  MongoLogger,
  MongoProviderHooks,
  MongoWatchOptions,
} from './hooks.js';
export { MONGO_DEFAULTS } from './defaults.js';
export {
  resolveMongoConnection,
  describeMongoConnection,
  type MongoConnectionSettings,
} from './connection-settings.js';
export { mongoIndexPlan, type IndexPlanEntry } from './indexes.js';
export { decideRecovery, type RecoveryDecision, type StreamPhase } from './recovery.js';
export { DEFAULT_RECONNECT_POLICY, type ReconnectPolicy } from './reconnect-policy.js';
