/**
 * How provider errors cross the wire. janitor's controllers treat UNAVAILABLE and
 * DEADLINE_EXCEEDED as "requeue and ask again" and every other code as a terminal failure of the
 * request (upstream's contract), so `retryable` errors must become UNAVAILABLE. The catalogue
 * code travels in the `nvs-error-code` trailer for logs and for our client.
 */
import { Metadata, status, type ServiceError } from '@grpc/grpc-js';
import { NvsError } from '@nvsentinel/service-kit';
import {
  CspAuthError,
  CspCallDeniedError,
  InstanceNotFoundError,
  NodeNotFoundError,
  ProviderConfigError,
  ProviderIdInvalidError,
  RequestRefInvalidError,
  TerminateUnsupportedError,
  UnknownProviderError,
} from '../providers/errors.js';

export const ERROR_CODE_METADATA = 'nvs-error-code';

export function grpcStatusOf(error: unknown): status {
  if (!(error instanceof NvsError)) return status.INTERNAL;
  if (error.retryable) return status.UNAVAILABLE;
  if (CspCallDeniedError.is(error)) return status.UNAUTHENTICATED;
  if (CspAuthError.is(error)) return status.PERMISSION_DENIED;
  if (NodeNotFoundError.is(error) || InstanceNotFoundError.is(error)) return status.NOT_FOUND;
  if (ProviderIdInvalidError.is(error) || RequestRefInvalidError.is(error)) return status.INVALID_ARGUMENT;
  if (ProviderConfigError.is(error) || UnknownProviderError.is(error)) return status.FAILED_PRECONDITION;
  if (TerminateUnsupportedError.is(error)) return status.UNIMPLEMENTED;
  return status.INTERNAL;
}

export function toServiceError(error: unknown): Partial<ServiceError> {
  const metadata = new Metadata();
  if (error instanceof NvsError) metadata.set(ERROR_CODE_METADATA, error.code);
  const details = error instanceof Error ? error.message : String(error);
  // Trailers must be printable ASCII; the details string is the one the controller shows.
  return { code: grpcStatusOf(error), details: details.replace(/[^\x20-\x7e]/g, '?'), metadata };
}
