export { formatIssue, type ValidationIssue } from './issues.js';
export {
  REQUIRED_HEALTH_EVENT_FIELDS,
  assertValidHealthEvent,
  assertValidHealthEvents,
  validateHealthEvent,
  validateHealthEvents,
  type ValidationResult,
} from './health-event.js';
export { validateDecodedHealthEvents } from './rules.js';
export { HEALTH_EVENT_LIMITS, type HealthEventLimits } from './limits.js';
export { healthEventsToProtoJson, toProtoJson } from './proto-json.js';
