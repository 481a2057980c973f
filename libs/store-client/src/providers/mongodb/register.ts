/**
 * `registerMongoProvider()` makes `createDataStore({ provider: 'mongodb', … })` work; pass hooks
 * to connect logs, the resume-token recovery metric and the history-lost handler. The factory
 * loads the MongoDB driver only when a mongodb datastore is opened.
 */
import { registerProvider } from '../../registry.js';
import type { MongoLogger } from './hooks.js';
import type { MongoProviderOptions } from './mongo-datastore.js';
import { openMongoDataStore } from '../lazy.js';
import { MONGODB_PROVIDER } from '../names.js';

export function registerMongoProvider(options: MongoProviderOptions = {}): void {
  registerProvider(MONGODB_PROVIDER, (config) => {
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
