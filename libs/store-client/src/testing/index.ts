/**
 * Test helpers for every project's tests (`@nvsentinel/store-client/testing`); never imported by
 * production code (src/testing is left out of the build).
 */
export { createTestDatabase, testPostgresUrl, DEFAULT_TEST_POSTGRES_URL, type TestDatabase } from './postgres.js';
export { configFromUrl } from './postgres-config.js';
export { describeDataStoreContract } from './contract.js';
export type { ContractTarget, RawSqlSession } from './contract.js';
