export { formatIssue, type ValidationIssue } from './issues.js';
export {
  REQUIRED_HEALTH_EVENT_FIELDS,
  assertValidHealthEvent,
  assertValidHealthEvents,
  validateHealthEvent,
  validateHealthEvents,
  type ValidationResult,
} from './health-event.js';
export { healthEventsToProtoJson, toProtoJson } from './proto-json.js';
