import { NvsError } from '@nvsentinel/errors';
import { formatIssue, type ValidationIssue } from './validation/issues.js';

/**
 * Error catalogue of @nvsentinel/health-model. Like fastify's FST_ERR_* list: every error has
 * a stable code callers can branch on, a message naming the problem, and a `fix` telling the
 * user what to do. Codes never change once published; messages may be improved.
 */
export const HealthModelErrorCode = {
  /** Input to validateHealthEvent(s)/assertValidHealthEvents broke one or more rules. */
  HealthEventInvalid: 'NVS_ERR_HEALTH_EVENT_INVALID',
  /** A stored health event document could not be decoded into a HealthEventWithStatus. */
  DocumentUndecodable: 'NVS_ERR_HEALTH_EVENT_DOCUMENT_UNDECODABLE',
  /** A stored maintenance event document could not be decoded into a MaintenanceEvent. */
  MaintenanceDocumentUndecodable: 'NVS_ERR_MAINTENANCE_EVENT_DOCUMENT_UNDECODABLE',
  /** A typed model value cannot be represented in the requested wire or stored form. */
  NotRepresentable: 'NVS_ERR_HEALTH_MODEL_NOT_REPRESENTABLE',
} as const;
export type HealthModelErrorCode = (typeof HealthModelErrorCode)[keyof typeof HealthModelErrorCode];

const FIXES: Record<HealthModelErrorCode, string> = {
  NVS_ERR_HEALTH_EVENT_INVALID:
    'Correct the listed fields and resend the request; field names and enum values are those of ' +
    'health_event.proto (proto3 JSON: camelCase names, enums by name or number, RFC 3339 timestamps).',
  NVS_ERR_HEALTH_EVENT_DOCUMENT_UNDECODABLE:
    'The document was not written by NVSentinel or was edited by hand; repair or delete it in the ' +
    'datastore (the path names the offending field).',
  NVS_ERR_MAINTENANCE_EVENT_DOCUMENT_UNDECODABLE:
    'The maintenance document was not written by csp-health-monitor or was edited by hand; repair ' +
    'or delete it in the datastore (the path names the offending field).',
  NVS_ERR_HEALTH_MODEL_NOT_REPRESENTABLE:
    'This is a bug in the caller: build model values through the validation or document helpers ' +
    'so they stay within the ranges of health_event.proto.',
};

/** Thrown by the assert/decode helpers. `issues` lists every problem when there were several. */
export class HealthModelError extends NvsError {
  declare readonly code: HealthModelErrorCode;
  /** What the user should do about it. */
  declare readonly fix: string;
  readonly issues: readonly ValidationIssue[];

  constructor(code: HealthModelErrorCode, message: string, issues: readonly ValidationIssue[] = []) {
    super(code, message, { name: 'HealthModelError', fix: FIXES[code] });
    this.issues = issues;
  }
}

/** True when `error` is a HealthModelError, optionally with the given code. */
export function isHealthModelError(error: unknown, code?: HealthModelErrorCode): error is HealthModelError {
  return error instanceof HealthModelError && (code === undefined || error.code === code);
}

/** NVS_ERR_HEALTH_EVENT_INVALID listing every issue, one per line. */
export function healthEventInvalidError(issues: readonly ValidationIssue[]): HealthModelError {
  const count = issues.length === 1 ? '1 problem' : `${issues.length} problems`;
  const lines = issues.map((issue) => `  - ${formatIssue(issue)}`).join('\n');
  return new HealthModelError(
    HealthModelErrorCode.HealthEventInvalid,
    `invalid health events (${count}):\n${lines}`,
    issues,
  );
}

/** NVS_ERR_*_DOCUMENT_UNDECODABLE for the field at `path`. */
export function documentUndecodableError(
  kind: 'health event' | 'maintenance event',
  issue: ValidationIssue,
): HealthModelError {
  const code =
    kind === 'health event'
      ? HealthModelErrorCode.DocumentUndecodable
      : HealthModelErrorCode.MaintenanceDocumentUndecodable;
  return new HealthModelError(code, `cannot decode stored ${kind} document: ${formatIssue(issue)}`, [issue]);
}

/** NVS_ERR_HEALTH_MODEL_NOT_REPRESENTABLE for a model value that has no wire/stored form. */
export function notRepresentableError(issue: ValidationIssue): HealthModelError {
  return new HealthModelError(
    HealthModelErrorCode.NotRepresentable,
    `value cannot be represented: ${formatIssue(issue)}`,
    [issue],
  );
}
