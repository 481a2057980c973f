/**
 * The `mongodb` provider: upstream NVSentinel's original backend behind the shared DataStore
 * interface. `registerMongoProvider()` makes `createDataStore({ provider: 'mongodb', … })` work;
 * pass hooks to connect logs, the resume-token recovery metric and the history-lost handler.
 */
import { registerProvider } from '../../registry.js';
import type { MongoLogger } from './hooks.js';
import { openMongoDataStore, type MongoProviderOptions } from './mongo-datastore.js';

export function registerMongoProvider(options: MongoProviderOptions = {}): void {
  registerProvider('mongodb', (config) => {
    // Hooks can also arrive with the configuration (service-kit passes the service's logger and
    // metrics that way); explicit registration options win.
    const { logger, onResumeTokenRecovery } = config.options;
    return openMongoDataStore(config, {
      ...(isMongoLogger(logger) ? { logger } : {}),
      ...(onResumeTokenRecovery ? { onResumeTokenRecovery } : {}),
      ...options,
    });
  });
}

function isMongoLogger(logger: unknown): logger is MongoLogger {
  const l = logger as Partial<MongoLogger> | undefined;
  return typeof l?.info === 'function' && typeof l.warn === 'function' && typeof l.error === 'function';
}

export { openMongoDataStore, ensureMongoIndexes, MongoDataStore, MONGO_CAPABILITIES, type MongoProviderOptions } from './mongo-datastore.js';
export type { HistoryLostInfo, HistoryLostListener, MongoLogger, MongoProviderHooks, MongoWatchOptions } from './hooks.js';
export { MONGO_DEFAULTS } from './defaults.js';
export { resolveMongoConnection, describeMongoConnection, type MongoConnectionSettings } from './connection-settings.js';
export { mongoIndexPlan, type IndexPlanEntry } from './indexes.js';
export { decideRecovery, type RecoveryDecision, type StreamPhase } from './recovery.js';
export { DEFAULT_RECONNECT_POLICY, type ReconnectPolicy } from './reconnect-policy.js';
