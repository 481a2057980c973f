/**
 * Validation of events decoded from protobuf (the gRPC path). The rules live in health-model
 * (`validateDecodedHealthEvents`), shared with the JSON validator, so both transports accept and
 * refuse exactly the same batches with the same paths and messages. Checking the typed values
 * directly is ~30 µs/event cheaper than a round trip through proto3 JSON, which matters at tens
 * of thousands of events/s; `validate-decoded.spec.ts` keeps both paths in agreement.
 */
import { validateDecodedHealthEvents, type HealthEvent, type ValidationIssue } from '@nvsentinel/health-model';

export function validateDecodedEvents(events: readonly HealthEvent[]): ValidationIssue[] {
  return validateDecodedHealthEvents(events);
}
