/**
 * Error catalogue of platform-connectors. Each error carries the HTTP status and gRPC status
 * code it maps to at the transport boundary, so HTTP and gRPC callers see the same verdicts.
 */
import { status as GrpcStatus } from '@grpc/grpc-js';
import { createErrorClass, NvsError, type CatalogueError } from '@nvsentinel/service-kit';
import type { ValidationIssue } from '@nvsentinel/health-model';

/** A batch failed validation; nothing of it was stored. `issues` lists every problem. */
export const HealthEventsInvalidError = createErrorClass(
  'NVS_ERR_PC_HEALTH_EVENTS_INVALID',
  'invalid health events, nothing was stored (%s); correct the listed fields and resend the whole batch',
  { status: 400 },
);

/**
 * The datastore refused this batch's data (e.g. a value it cannot store or index). Only this
 * batch is refused: the writer retries the other batches it was coalesced with on their own.
 */
export const EventsUnstorableError = createErrorClass(
  'NVS_ERR_PC_EVENTS_UNSTORABLE',
  'the datastore refused the data of this batch (%s); nothing of this batch was stored and other batches were not affected; correct the events (see the limits in the platform-connectors README) and resend',
  { status: 400 },
);

/** The gRPC request bytes are not a HealthEvents protobuf message. */
export const RequestUndecodableError = createErrorClass(
  'NVS_ERR_PC_REQUEST_UNDECODABLE',
  'the request is not a valid datamodels.HealthEvents protobuf message (%s); nothing was stored; send a HealthEvents message encoded with health_event.proto (strings must be valid UTF-8)',
  { status: 400 },
);

/** The datastore is unreachable: the batch was not stored and must be resent after Retry-After. */
export const DatastoreUnavailableError = createErrorClass(
  'NVS_ERR_PC_DATASTORE_UNAVAILABLE',
  'the datastore is unavailable (%s); nothing of this batch was stored, resend it after %s s',
  { status: 503, retryable: true },
);

/** Too many events are waiting for the datastore; the batch was refused to keep memory bounded. */
export const IngestOverloadedError = createErrorClass(
  'NVS_ERR_PC_INGEST_OVERLOADED',
  'ingest queue is full (%s events waiting, limit %s); nothing of this batch was stored, resend it after %s s',
  { status: 503, retryable: true },
);

/** The datastore refused the batch for a reason resending will not fix (a bug or a schema problem). */
export const StoreFailedError = createErrorClass(
  'NVS_ERR_PC_STORE_FAILED',
  'storing the batch failed: %s; see the service log, this needs an operator',
  { status: 500 },
);

/** The service is shutting down and accepts no new events. */
export const ShuttingDownError = createErrorClass(
  'NVS_ERR_PC_SHUTTING_DOWN',
  'platform-connectors is shutting down; resend the batch to the restarted instance',
  { status: 503, retryable: true },
);

/** The platform-connectors configuration file is unusable. */
export const ConnectorConfigError = createErrorClass(
  'NVS_ERR_PC_CONFIG_INVALID',
  'invalid platform-connectors configuration %s: %s',
  { status: 500 },
);

/** The HTTP body could not be read: bad JSON, wrong content type or too large (fastify's parser said so). */
export const BodyInvalidError = createErrorClass(
  'NVS_ERR_PC_BODY_INVALID',
  '%s; send Content-Type: application/json with a body like {"events":[{...}]} (at most %s bytes)',
  { status: 400 },
);

/** A query parameter of the inspection endpoints is missing or malformed. */
export const QueryInvalidError = createErrorClass('NVS_ERR_PC_QUERY_INVALID', '%s', { status: 400 });

/** Anything a transport caught that is not one of the errors above: a bug, logged with its stack. */
export const InternalError = createErrorClass(
  'NVS_ERR_PC_INTERNAL',
  '%s; this is a bug in platform-connectors, see the service log for the stack',
  { status: 500 },
);

/**
 * True for this catalogue's errors only. Errors of other catalogues (a DatastoreError, a
 * K8sError) are NvsErrors too, but the transports answer them as NVS_ERR_PC_INTERNAL: their
 * codes and statuses are not part of the ingest API.
 */
export function isConnectorError(error: unknown): error is CatalogueError {
  return error instanceof NvsError && error.code.startsWith('NVS_ERR_PC_') && error.statusCode !== undefined;
}

/** Rejection details every transport needs. */
export interface IngestRejection {
  readonly error: NvsError;
  readonly issues: readonly ValidationIssue[];
  /** Seconds the client should wait before resending, for backpressure answers. */
  readonly retryAfterSeconds?: number;
}

const RETRY_AFTER = Symbol('retryAfterSeconds');
const ISSUES = Symbol('issues');

type Annotated = NvsError & { [RETRY_AFTER]?: number; [ISSUES]?: readonly ValidationIssue[] };

/** Attaches the Retry-After hint to a backpressure error. */
export function withRetryAfter<E extends NvsError>(error: E, seconds: number): E {
  (error as Annotated)[RETRY_AFTER] = seconds;
  return error;
}

/** Attaches the validation issues to an invalid-batch error. */
export function withIssues<E extends NvsError>(error: E, issues: readonly ValidationIssue[]): E {
  (error as Annotated)[ISSUES] = issues;
  return error;
}

export function retryAfterOf(error: NvsError): number | undefined {
  return (error as Annotated)[RETRY_AFTER];
}

export function issuesOf(error: NvsError): readonly ValidationIssue[] {
  return (error as Annotated)[ISSUES] ?? [];
}

const GRPC_CODES: Record<string, GrpcStatus> = {
  NVS_ERR_PC_HEALTH_EVENTS_INVALID: GrpcStatus.INVALID_ARGUMENT,
  NVS_ERR_PC_EVENTS_UNSTORABLE: GrpcStatus.INVALID_ARGUMENT,
  NVS_ERR_PC_REQUEST_UNDECODABLE: GrpcStatus.INVALID_ARGUMENT,
  NVS_ERR_PC_DATASTORE_UNAVAILABLE: GrpcStatus.UNAVAILABLE,
  NVS_ERR_PC_INGEST_OVERLOADED: GrpcStatus.UNAVAILABLE,
  NVS_ERR_PC_SHUTTING_DOWN: GrpcStatus.UNAVAILABLE,
  NVS_ERR_PC_STORE_FAILED: GrpcStatus.INTERNAL,
};

/** gRPC status for a catalogue error (INTERNAL for anything unexpected). */
export function grpcCodeOf(error: NvsError): GrpcStatus {
  return GRPC_CODES[error.code] ?? GrpcStatus.INTERNAL;
}
