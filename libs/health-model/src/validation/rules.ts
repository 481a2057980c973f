/**
 * The rules a typed HealthEvent must meet beyond its types, shared by both ingest paths: the
 * proto3 JSON reader (HTTP) applies them after reading, and events decoded from protobuf (gRPC)
 * get them through validateDecodedHealthEvents. One set of rules means both transports accept
 * and refuse exactly the same events, with the same paths and messages.
 */
import {
  ProcessingStrategyValues,
  RecommendedActionValues,
  processingStrategyName,
  recommendedActionName,
} from '../model/enums.js';
import { MAX_TIMESTAMP_SECONDS, MIN_TIMESTAMP_SECONDS, isValidTimestamp } from '../model/timestamp.js';
import { RecommendedAction, type HealthEvent } from '../model/types.js';
import { childPath, indexPath, type ValidationIssue } from './issues.js';
import { HEALTH_EVENT_LIMITS as LIMITS } from './limits.js';
import { keyPath, nodeNameProblem, textProblem, type TextKind } from './text.js';

/**
 * Fields an event must carry (non-empty). Upstream accepts any proto-valid event, but an event
 * without a node or a check is useless to every consumer (nothing to quarantine, no condition
 * type), and without an agent no rule can match it; rejecting it at ingest tells the monitor
 * author immediately instead of leaving a dead document in the datastore.
 */
export const REQUIRED_HEALTH_EVENT_FIELDS = ['agent', 'checkName', 'nodeName'] as const;

type Add = (path: string, message: string) => void;

const blank = (text: string): boolean => text.trim() === '';

/** Applies every rule to `event`, reporting each problem under `path` (e.g. `events[3]`). */
export function checkHealthEventRules(event: HealthEvent, path: string, add: Add): void {
  const at = (field: string): string => childPath(path, field);
  const text = (value: string, where: string, kind: TextKind, maxBytes: number): void => {
    const problem = textProblem(value, kind, maxBytes);
    if (problem) add(where, problem);
  };

  for (const field of REQUIRED_HEALTH_EVENT_FIELDS) {
    if (blank(event[field])) add(at(field), 'required');
  }
  if (event.recommendedAction === RecommendedAction.CUSTOM && blank(event.customRecommendedAction)) {
    add(at('customRecommendedAction'), 'required when recommendedAction is CUSTOM');
  }

  if (!blank(event.agent)) text(event.agent, at('agent'), 'name', LIMITS.nameBytes);
  text(event.componentClass, at('componentClass'), 'name', LIMITS.nameBytes);
  if (!blank(event.checkName)) text(event.checkName, at('checkName'), 'name', LIMITS.nameBytes);
  text(event.message, at('message'), 'text', LIMITS.messageBytes);

  if (event.errorCode.length > LIMITS.errorCodes) {
    add(at('errorCode'), `has ${event.errorCode.length} entries; at most ${LIMITS.errorCodes} are allowed`);
  } else {
    event.errorCode.forEach((code, i) => text(code, indexPath(at('errorCode'), i), 'name', LIMITS.nameBytes));
  }

  if (event.entitiesImpacted.length > LIMITS.entities) {
    add(at('entitiesImpacted'), `has ${event.entitiesImpacted.length} entries; at most ${LIMITS.entities} are allowed`);
  } else {
    event.entitiesImpacted.forEach((entity, i) => {
      const entityPath = indexPath(at('entitiesImpacted'), i);
      for (const field of ['entityType', 'entityValue'] as const) {
        if (blank(entity[field])) add(childPath(entityPath, field), 'required');
        else text(entity[field], childPath(entityPath, field), 'name', LIMITS.nameBytes);
      }
    });
  }

  const metadata = Object.entries(event.metadata);
  if (metadata.length > LIMITS.metadataEntries) {
    add(at('metadata'), `has ${metadata.length} entries; at most ${LIMITS.metadataEntries} are allowed`);
  } else {
    for (const [key, value] of metadata) {
      // Paths are built only for a problem: quoting a key costs more than checking it.
      const keyProblem = textProblem(key, 'name', LIMITS.nameBytes);
      const problem = keyProblem ? `key ${keyProblem}` : textProblem(value, 'text', LIMITS.metadataValueBytes);
      if (problem) add(keyPath(at('metadata'), key), problem);
    }
  }

  if (!blank(event.nodeName)) {
    const problem = nodeNameProblem(event.nodeName, LIMITS.nodeNameBytes, LIMITS.nodeNameLabelBytes);
    if (problem) add(at('nodeName'), problem);
  }
  text(event.id, at('id'), 'name', LIMITS.nameBytes);
  text(event.customRecommendedAction, at('customRecommendedAction'), 'name', LIMITS.nameBytes);

  // The JSON reader can only produce defined enum values and valid timestamps; protobuf can
  // carry any number and any seconds/nanos, so these matter for decoded events.
  if (recommendedActionName(event.recommendedAction) === undefined) {
    add(
      at('recommendedAction'),
      `unknown value ${event.recommendedAction} (expected one of ${numbered(RecommendedActionValues)})`,
    );
  }
  if (processingStrategyName(event.processingStrategy) === undefined) {
    add(
      at('processingStrategy'),
      `unknown value ${event.processingStrategy} (expected one of ${numbered(ProcessingStrategyValues)})`,
    );
  }
  const ts = event.generatedTimestamp;
  if (ts && !isValidTimestamp(ts)) {
    if (!Number.isInteger(ts.nanos) || ts.nanos < 0 || ts.nanos > 999_999_999) {
      add(childPath(at('generatedTimestamp'), 'nanos'), `must be between 0 and 999999999, got ${ts.nanos}`);
    } else {
      add(
        childPath(at('generatedTimestamp'), 'seconds'),
        `must be between ${MIN_TIMESTAMP_SECONDS} and ${MAX_TIMESTAMP_SECONDS} (years 0001..9999), got ${ts.seconds}`,
      );
    }
  }
}

function numbered(values: Readonly<Record<string, number>>): string {
  return Object.entries(values)
    .map(([name, n]) => `${name}=${n}`)
    .join(', ');
}

/**
 * Validates events decoded from protobuf (the gRPC path). The wire format guarantees the types,
 * so only the rules are left — the same ones validateHealthEvents applies to JSON, with the same
 * paths (`events[i].…`). An empty batch is refused as in JSON.
 */
export function validateDecodedHealthEvents(events: readonly HealthEvent[]): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  const add: Add = (path, message) => issues.push({ path, message });
  if (events.length === 0) add('events', 'must contain at least one event');
  events.forEach((event, i) => checkHealthEventRules(event, indexPath('events', i), add));
  return issues;
}
