/**
 * Local HTTP fakes of the cloud APIs the monitor polls (real wire formats), shipped in the build
 * so the benchmark (tools/bench) and the local stack can use them as well as the tests.
 */
export { AwsHealthFake, epoch, FAKE_ACCESS_KEY_ID, FAKE_CREDENTIALS } from './aws-health-fake.js';
export type { AwsRequestRecord, FakeAwsEntity, FakeAwsEvent } from './aws-health-fake.js';
export { FAKE_GCP_TOKEN, gceMaintenanceEntry, GcpLoggingFake } from './gcp-logging-fake.js';
export type { FakeLogEntry } from './gcp-logging-fake.js';
