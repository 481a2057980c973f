/**
 * Driver error → DatastoreError. Callers branch on our codes (connection, authentication, timeout,
 * conflict …), so the mapping is one table here; every error that leaves this provider goes
 * through `toDatastoreError`.
 */
import {
  MongoError,
  MongoNetworkError,
  MongoNetworkTimeoutError,
  MongoOperationTimeoutError,
  MongoParseError,
  MongoServerError,
  MongoServerSelectionError,
  MongoTopologyClosedError,
  MongoClientClosedError,
  MongoNotConnectedError,
  MongoMissingCredentialsError,
} from 'mongodb';

import { DatastoreError, type DatastoreErrorCode } from '../../errors.js';
import { PROVIDER_NAME } from './defaults.js';

/** Server error codes this provider treats specially (names as in MongoDB's error_codes.yml). */
export const ServerCode = {
  FailedToParse: 9,
  Unauthorized: 13,
  AuthenticationFailed: 18,
  ExceededTimeLimit: 50,
  IndexOptionsConflict: 85,
  IndexKeySpecsConflict: 86,
  InvalidResumeToken: 260,
  MaxTimeMSExpired: 262,
  ChangeStreamFatalError: 280,
  ChangeStreamHistoryLost: 286,
  BadValue: 2,
  InvalidPipelineOperator: 168,
  UnrecognizedPipelineStage: 40324,
  DuplicateKey: 11000,
  ChangeStreamNeedsReplicaSet: 40573,
} as const;

/** Node's TLS failure messages (certificate verification, handshake, bad key material). */
const TLS_FAILURE = /certificate|self[- ]signed|unable to verify|SSL|TLS|PEM|handshake/i;

/** Which DatastoreError code a driver error means; `fallback` names the operation that failed. */
function classifyDriverError(err: unknown, fallback: DatastoreErrorCode): DatastoreErrorCode {
  if (err instanceof DatastoreError) return err.code;
  // A failed TLS handshake surfaces as a server-selection or network error carrying Node's message.
  if ((err instanceof MongoServerSelectionError || err instanceof MongoNetworkError) && TLS_FAILURE.test(err.message)) {
    return 'certificate';
  }
  if (err instanceof MongoServerSelectionError) return 'connection';
  if (err instanceof MongoNetworkTimeoutError || err instanceof MongoOperationTimeoutError) return 'timeout';
  if (err instanceof MongoNetworkError) return 'connection';
  if (err instanceof MongoTopologyClosedError || err instanceof MongoClientClosedError) return 'closed';
  if (err instanceof MongoNotConnectedError) return 'connection';
  if (err instanceof MongoMissingCredentialsError || err instanceof MongoParseError) return 'configuration';
  if (err instanceof MongoServerError) {
    switch (err.code) {
      case ServerCode.AuthenticationFailed:
      case ServerCode.Unauthorized:
        return 'authentication';
      case ServerCode.ExceededTimeLimit:
      case ServerCode.MaxTimeMSExpired:
        return 'timeout';
      case ServerCode.DuplicateKey:
        return 'conflict';
      case ServerCode.ChangeStreamNeedsReplicaSet:
        return 'configuration';
      case ServerCode.InvalidPipelineOperator:
      case ServerCode.UnrecognizedPipelineStage:
        return 'unsupported_pipeline';
      case ServerCode.BadValue:
        // "unknown operator: $frobnicate" — the same code every provider gives an unknown operator.
        return /unknown (top level )?operator/i.test(err.message) ? 'unsupported_pipeline' : fallback;
      default:
        return fallback;
    }
  }
  if (err instanceof MongoError && TLS_FAILURE.test(err.message)) return 'certificate';
  return fallback;
}

const ADVICE: Partial<Record<DatastoreErrorCode, string>> = {
  connection:
    'Check that MongoDB is running and reachable at the configured URI/host (and that the replica set name matches).',
  authentication:
    'Check the username/password, or for X.509 that the client certificate subject exists as a user in $external with readWrite.',
  timeout: 'The server did not answer in time; check its load and network, or raise the timeout.',
  certificate: 'Check the client certificate, key and CA files and that the server certificate is signed by that CA.',
  closed: 'The datastore was closed; create a new one.',
};

/** Wraps any thrown value; a DatastoreError passes through unchanged. */
export function toDatastoreError(err: unknown, fallback: DatastoreErrorCode, action: string): DatastoreError {
  if (err instanceof DatastoreError) return err;
  const code = classifyDriverError(err, fallback);
  const message = err instanceof Error ? err.message : String(err);
  const advice = ADVICE[code];
  const serverCode = err instanceof MongoServerError ? err.code : undefined;
  return new DatastoreError(code, `${action} failed: ${message}${advice ? `. ${advice}` : ''}`, {
    provider: PROVIDER_NAME,
    cause: err,
    details: serverCode === undefined ? {} : { serverCode },
  });
}

/** The numeric server error code, if the error carries one. */
export function serverErrorCode(err: unknown): number | undefined {
  if (err instanceof MongoError && typeof err.code === 'number') return err.code;
  if (err instanceof DatastoreError) return serverErrorCode(err.cause);
  return undefined;
}
