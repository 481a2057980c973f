/**
 * Shared pieces of the provider contract suite: the target a provider supplies, the context the
 * test groups run in, and small assertion helpers.
 */
import { expect } from 'vitest';
import { MaintenanceStatus, type MaintenanceEvent } from '@nvsentinel/health-model';
import type { DataStoreOptions } from '../config/types.js';
import { isDatastoreError } from '../errors.js';
import type { DataStore, HealthEventStore, NewHealthEvent } from '../interfaces.js';
import { uniqueName } from './contract-support.js';

/** A second database session for interleaving transactions (SQL providers with concurrent sessions). */
export interface RawSqlSession {
  query(text: string, params?: unknown[]): Promise<Record<string, unknown>[]>;
  close(): Promise<void>;
}

export interface ContractTarget {
  /**
   * Opens a datastore on this target's database. Called again after `close()` to simulate a
   * restart: the data must still be there. Options are merged into the configuration.
   */
  connect(options?: DataStoreOptions): Promise<DataStore>;
  /** Optional: raw SQL sessions for the out-of-order commit test (postgresql). */
  rawSession?(): Promise<RawSqlSession>;
  dispose(): Promise<void>;
}

/** What every test group reads; `ds`/`store` change when a test restarts the datastore. */
export interface ContractContext {
  readonly ds: DataStore;
  readonly store: HealthEventStore;
  readonly target: ContractTarget;
  insertOne(event: NewHealthEvent): Promise<string>;
  /** Closes the datastore and connects again (a process restart), with extra options. */
  restart(options?: DataStoreOptions): Promise<void>;
}

/** Settings that make change streams quick to test: fast fallback poll, manual retention. */
export const TEST_OPTIONS: DataStoreOptions = { changeStreamPollIntervalMs: 50, changelogRetentionIntervalMs: 0 };

export async function expectError(promise: Promise<unknown>, code: string): Promise<void> {
  let caught: unknown;
  try {
    await promise;
  } catch (err) {
    caught = err;
  }
  expect(caught, `expected a DatastoreError ${code}`).toBeDefined();
  expect(isDatastoreError(caught), String(caught)).toBe(true);
  expect((caught as { code: string }).code).toBe(code);
}

export function maintenanceEvent(overrides: Partial<MaintenanceEvent> = {}): MaintenanceEvent {
  const now = Date.now();
  return {
    eventId: uniqueName('mx'),
    csp: 'aws',
    clusterName: 'cluster-1',
    resourceType: 'EC2',
    resourceId: 'i-123',
    maintenanceType: 'SCHEDULED',
    status: MaintenanceStatus.DETECTED,
    cspStatus: 'PENDING',
    scheduledStartTime: new Date(now + 60_000),
    scheduledEndTime: new Date(now + 120_000),
    actualStartTime: null,
    actualEndTime: null,
    eventReceivedTimestamp: new Date(now),
    lastUpdatedTimestamp: new Date(now),
    recommendedAction: 'RESTART_VM',
    metadata: { zone: 'us-east-1a' },
    nodeName: uniqueName('node'),
    ...overrides,
  };
}
