/**
 * What the change-stream loop does with an error: the one decision table for opening and reading.
 *
 * - 'restart-from-now': the resume token is unusable (fell off the oplog, or was never valid).
 *   Upstream NVSentinel's recovery for server codes 286 ChangeStreamHistoryLost, 280
 *   ChangeStreamFatalError, 260 InvalidResumeToken and 9 FailedToParse: delete the stored token,
 *   count it, start from now, and let the consumer run its cold-start scan.
 * - 'retry': a transient failure (network, elections, server selection); reopen after a backoff,
 *   resuming after the last delivered token. The driver resumes only once per error by itself;
 *   this loop is what keeps a consumer alive across longer outages.
 * - 'fatal': retrying cannot help (bad pipeline, authentication, client closed); surface it.
 */
import {
  MongoError,
  MongoErrorLabel,
  MongoNetworkError,
  MongoOperationTimeoutError,
  MongoServerSelectionError,
} from 'mongodb';

import { DatastoreError } from '../../errors.js';
import type { ChangeStreamPhase } from '../../interfaces.js';
import { ServerCode, serverErrorCode } from './driver-errors.js';

export type RecoveryDecision = 'restart-from-now' | 'retry' | 'fatal';
export type StreamPhase = ChangeStreamPhase;

export interface RecoveryContext {
  phase: StreamPhase;
  /** The failing open passed a resume token (at runtime the driver always resumes with one). */
  openedWithToken: boolean;
}

const TOKEN_UNUSABLE: ReadonlySet<number> = new Set([
  ServerCode.ChangeStreamHistoryLost,
  ServerCode.ChangeStreamFatalError,
  ServerCode.InvalidResumeToken,
  ServerCode.FailedToParse,
]);

/** Server codes the change-streams spec lists as resumable on servers that predate error labels. */
const TRANSIENT_CODES: ReadonlySet<number> = new Set([
  6, 7, 43, 63, 89, 91, 133, 150, 189, 234, 262, 9001, 10107, 11600, 11602, 13388, 13435, 13436,
]);

export function decideRecovery(error: unknown, context: RecoveryContext): RecoveryDecision {
  if (error instanceof DatastoreError && error.code === 'resume_token') {
    // Our own stored token did not decode: it can only be replaced.
    return 'restart-from-now';
  }
  const code = serverErrorCode(error);
  if (code !== undefined && TOKEN_UNUSABLE.has(code)) {
    // Without a token, restarting from now would fail the same way (e.g. code 9 is then a
    // pipeline parse error) and loop forever.
    const tokenInvolved = context.phase === 'runtime' || context.openedWithToken;
    return tokenInvolved ? 'restart-from-now' : 'fatal';
  }
  if (isTransient(error)) return 'retry';
  return 'fatal';
}

function isTransient(error: unknown): boolean {
  const driverError = error instanceof DatastoreError ? error.cause : error;
  if (driverError instanceof MongoNetworkError) return true;
  if (driverError instanceof MongoServerSelectionError) return true;
  if (driverError instanceof MongoOperationTimeoutError) return true;
  if (driverError instanceof MongoError) {
    if (driverError.hasErrorLabel(MongoErrorLabel.ResumableChangeStreamError)) return true;
    if (driverError.hasErrorLabel(MongoErrorLabel.RetryableError)) return true;
    if (typeof driverError.code === 'number' && TRANSIENT_CODES.has(driverError.code)) return true;
  }
  return false;
}
