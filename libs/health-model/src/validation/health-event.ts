import { healthEventInvalidError } from '../errors.js';
import { ProcessingStrategyValues, RecommendedActionValues } from '../model/enums.js';
import {
  ProcessingStrategy,
  RecommendedAction,
  type BehaviourOverrides,
  type Entity,
  type HealthEvent,
} from '../model/types.js';
import {
  BehaviourOverridesFields,
  EntityFields,
  HealthEventFields,
  HealthEventsFields,
  type MessageFieldNames,
} from './field-names.js';
import { childPath, describeType, type ValidationIssue } from './issues.js';
import { checkHealthEventRules } from './rules.js';
import { keyPath } from './text.js';
import {
  Issues,
  isAbsent,
  readArray,
  readBoolean,
  readEnum,
  readObject,
  readString,
  readStringMap,
  readTimestamp,
  readUint32,
  reportUnknownKey,
  type JsonObject,
} from './readers.js';

export type ValidationResult<T> = { ok: true; value: T } | { ok: false; errors: ValidationIssue[] };

export { REQUIRED_HEALTH_EVENT_FIELDS } from './rules.js';

/**
 * Validates one HealthEvent in proto3 JSON form (camelCase keys; enums by name or number;
 * timestamps as RFC 3339 strings or `{seconds, nanos}`; null = absent). Lists every problem.
 * Absent values default as in proto3 (false, '', [], {}), except `version`, which defaults to 1.
 * `path` prefixes issue paths (e.g. 'events[3]').
 */
export function validateHealthEvent(input: unknown, path = ''): ValidationResult<HealthEvent> {
  const issues = new Issues();
  const event = readHealthEvent(input, path, issues);
  return event && issues.list.length === 0 ? { ok: true, value: event } : { ok: false, errors: issues.list };
}

/** Validates the `{ version?, events: [...] }` envelope monitors send; at least one event. */
export function validateHealthEvents(input: unknown): ValidationResult<HealthEvent[]> {
  const issues = new Issues();
  const envelope = readObject(input, '', issues);
  if (!envelope) return { ok: false, errors: issues.list };
  const fields = resolveFields(envelope, '', HealthEventsFields, issues);
  const version = fields.get('version');
  if (version) readUint32(version.value, version.path, issues);
  const events = fields.get('events');
  let value: HealthEvent[] | undefined;
  if (!events) {
    issues.add('events', 'required (send at least one event)');
  } else if (!Array.isArray(events.value)) {
    issues.add(events.path, `expected array of health events, got ${describeType(events.value)}`);
  } else if (events.value.length === 0) {
    issues.add(events.path, 'must contain at least one event');
  } else {
    value = readArray(events.value, events.path, issues, 'health events', (item, itemPath) =>
      readHealthEvent(item, itemPath, issues),
    );
  }
  return value && issues.list.length === 0 ? { ok: true, value } : { ok: false, errors: issues.list };
}

/** Like validateHealthEvents, but throws NVS_ERR_HEALTH_EVENT_INVALID listing every issue. */
export function assertValidHealthEvents(input: unknown): HealthEvent[] {
  const result = validateHealthEvents(input);
  if (!result.ok) throw healthEventInvalidError(result.errors);
  return result.value;
}

/** Like validateHealthEvent, but throws NVS_ERR_HEALTH_EVENT_INVALID listing every issue. */
export function assertValidHealthEvent(input: unknown, path = ''): HealthEvent {
  const result = validateHealthEvent(input, path);
  if (!result.ok) throw healthEventInvalidError(result.errors);
  return result.value;
}

interface Field {
  value: unknown;
  path: string;
}

/**
 * Maps the keys of `obj` to local field names, reporting unknown keys and a field given twice
 * (under its JSON and proto name). Absent (null) fields are left out, as proto3 JSON does.
 */
function resolveFields(obj: JsonObject, path: string, names: MessageFieldNames, issues: Issues): Map<string, Field> {
  const fields = new Map<string, Field>();
  const keyOf = new Map<string, string>();
  for (const [key, value] of Object.entries(obj)) {
    const local = names.byKey.get(key);
    if (local === undefined) {
      reportUnknownKey(key, path, names.keys, issues);
      continue;
    }
    const previous = keyOf.get(local);
    if (previous !== undefined) {
      issues.add(keyPath(path, key), `field given twice (as '${previous}' and '${key}')`);
      continue;
    }
    keyOf.set(local, key);
    if (!isAbsent(value)) fields.set(local, { value, path: childPath(path, key) });
  }
  return fields;
}

function readHealthEvent(input: unknown, path: string, issues: Issues): HealthEvent | undefined {
  const obj = readObject(input, path, issues);
  if (!obj) return undefined;
  const before = issues.list.length;
  const fields = resolveFields(obj, path, HealthEventFields, issues);
  const read = <T>(local: string, fallback: T, reader: (f: Field) => T | undefined): T => {
    const f = fields.get(local);
    return f ? (reader(f) ?? fallback) : fallback;
  };
  const str = (local: string): string => read(local, '', (f) => readString(f.value, f.path, issues));
  const bool = (local: string): boolean => read(local, false, (f) => readBoolean(f.value, f.path, issues));

  const event: HealthEvent = {
    version: read('version', 1, (f) => readUint32(f.value, f.path, issues)),
    agent: str('agent'),
    componentClass: str('componentClass'),
    checkName: str('checkName'),
    isFatal: bool('isFatal'),
    isHealthy: bool('isHealthy'),
    message: str('message'),
    recommendedAction: read(
      'recommendedAction',
      RecommendedAction.NONE,
      (f) => readEnum(f.value, f.path, RecommendedActionValues, issues) as RecommendedAction | undefined,
    ),
    errorCode: read('errorCode', [], (f) =>
      readArray(f.value, f.path, issues, 'strings', (item, itemPath) => readString(item, itemPath, issues)),
    ),
    entitiesImpacted: read('entitiesImpacted', [], (f) =>
      readArray(f.value, f.path, issues, 'entities', (item, itemPath) => readEntity(item, itemPath, issues)),
    ),
    metadata: read('metadata', {}, (f) => readStringMap(f.value, f.path, issues)),
    nodeName: str('nodeName'),
    processingStrategy: read(
      'processingStrategy',
      ProcessingStrategy.UNSPECIFIED,
      (f) => readEnum(f.value, f.path, ProcessingStrategyValues, issues) as ProcessingStrategy | undefined,
    ),
    id: str('id'),
    customRecommendedAction: str('customRecommendedAction'),
  };
  const generatedTimestamp = fields.get('generatedTimestamp');
  if (generatedTimestamp) {
    const ts = readTimestamp(generatedTimestamp.value, generatedTimestamp.path, issues);
    if (ts) event.generatedTimestamp = ts;
  }
  for (const key of ['quarantineOverrides', 'drainOverrides'] as const) {
    const f = fields.get(key);
    const overrides = f ? readOverrides(f.value, f.path, issues) : undefined;
    if (overrides) event[key] = overrides;
  }

  // The rules see defaults where a field failed its type check; a field already reported is
  // not reported a second time (e.g. `nodeName: 5` is a type error, not also "required").
  const reported = issues.list.slice(before).map((issue) => issue.path);
  const covered = (p: string): boolean =>
    reported.some((r) => p === r || p.startsWith(`${r}.`) || p.startsWith(`${r}[`));
  checkHealthEventRules(event, path, (p, message) => {
    if (!covered(p)) issues.add(p, message);
  });
  return issues.list.length === before ? event : undefined;
}

function readEntity(input: unknown, path: string, issues: Issues): Entity | undefined {
  const obj = readObject(input, path, issues);
  if (!obj) return undefined;
  const before = issues.list.length;
  const fields = resolveFields(obj, path, EntityFields, issues);
  const entity: Entity = { entityType: '', entityValue: '' };
  for (const local of ['entityType', 'entityValue'] as const) {
    const f = fields.get(local);
    if (!f) {
      issues.add(childPath(path, EntityFields.jsonName.get(local) ?? local), 'required');
      continue;
    }
    const value = readString(f.value, f.path, issues);
    if (value === undefined) continue;
    if (value.trim() === '') issues.add(f.path, 'required');
    entity[local] = value;
  }
  return issues.list.length === before ? entity : undefined;
}

function readOverrides(input: unknown, path: string, issues: Issues): BehaviourOverrides | undefined {
  const obj = readObject(input, path, issues);
  if (!obj) return undefined;
  const before = issues.list.length;
  const fields = resolveFields(obj, path, BehaviourOverridesFields, issues);
  const flag = (local: string): boolean => {
    const f = fields.get(local);
    return f ? (readBoolean(f.value, f.path, issues) ?? false) : false;
  };
  const overrides = { force: flag('force'), skip: flag('skip') };
  return issues.list.length === before ? overrides : undefined;
}
