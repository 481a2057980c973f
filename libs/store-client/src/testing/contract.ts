/**
 * The behavioural contract every datastore provider must meet, run against real databases —
 * one loop per provider, like kysely's per-dialect suites. A provider's spec calls
 * `describeDataStoreContract(name, target)`; declared differences are capability flags and
 * optional hooks, never `if (provider === …)`.
 *
 * Tests share one database per provider run and isolate themselves with unique node names and
 * client names, so no test depends on another's leftovers.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DataStoreOptions } from '../config/types.js';
import type { DataStore, HealthEventStore, NewHealthEvent } from '../interfaces.js';
import { describeChangeStreamContract } from './contract-change-streams.js';
import { expectError, TEST_OPTIONS, type ContractContext, type ContractTarget } from './contract-context.js';
import { describeHealthEventContract } from './contract-health-events.js';
import { describeMaintenanceEventContract } from './contract-maintenance-events.js';

export type { ContractTarget, RawSqlSession } from './contract-context.js';

export function describeDataStoreContract(name: string, createTarget: () => Promise<ContractTarget>): void {
  describe(`DataStore contract: ${name}`, () => {
    let target: ContractTarget;
    let ds: DataStore;
    let store: HealthEventStore;

    const insertOne = async (event: NewHealthEvent): Promise<string> => (await store.insertHealthEvents(event))[0]!;
    const restart = async (options: DataStoreOptions = {}): Promise<void> => {
      await ds.close();
      ds = await target.connect({ ...TEST_OPTIONS, ...options });
      store = ds.healthEventStore();
    };
    const ctx: ContractContext = {
      get ds() {
        return ds;
      },
      get store() {
        return store;
      },
      get target() {
        return target;
      },
      insertOne,
      restart,
    };

    beforeAll(async () => {
      target = await createTarget();
      ds = await target.connect(TEST_OPTIONS);
      store = ds.healthEventStore();
    });

    afterAll(async () => {
      await ds?.close();
      await target?.dispose();
    });

    describe('datastore', () => {
      it('names its provider and answers ping', async () => {
        expect(ds.provider).toBe(name);
        await ds.ping();
      });

      it('close is idempotent and later calls fail with code closed', async () => {
        const other = await target.connect(TEST_OPTIONS).catch(() => undefined);
        // Providers that allow one open datastore per database (embedded on a data dir) skip this.
        if (!other) return;
        await other.close();
        await other.close();
        await expectError(other.healthEventStore().findHealthEventsByNode('x'), 'closed');
      });
    });

    describeHealthEventContract(ctx);
    describeMaintenanceEventContract(ctx);
    describeChangeStreamContract(ctx);
  });
}
