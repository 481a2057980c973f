/**
 * The `quarantineHealthEvent` annotation: the faults that keep a node quarantined. One entry per
 * (agent, componentClass, checkName, nodeName, version, entity, errorCode), so a fault on GPU 1
 * and one on GPU 3 recover independently. Entries are HealthEvents in upstream's camelCase JSON.
 */
import type { HealthEvent } from '@nvsentinel/health-model';

export interface TrackedFault {
  agent: string;
  componentClass: string;
  checkName: string;
  nodeName: string;
  version: number;
  entitiesImpacted: { entityType: string; entityValue: string }[];
  errorCode: string[];
  isFatal: boolean;
  isHealthy: boolean;
  message: string;
  recommendedAction: number;
  /** Datastore id of the event that reported this fault (idempotent replays recognise it). */
  id: string;
  [extra: string]: unknown;
}

/** Splits an unhealthy event into one tracked entry per entity × error code. */
export function faultsOf(event: HealthEvent, eventId: string): TrackedFault[] {
  const entities = event.entitiesImpacted.length > 0 ? event.entitiesImpacted : [undefined];
  const codes = event.errorCode.length > 0 ? event.errorCode : [undefined];
  const faults: TrackedFault[] = [];
  for (const entity of entities) {
    for (const code of codes) {
      faults.push({
        agent: event.agent,
        componentClass: event.componentClass,
        checkName: event.checkName,
        nodeName: event.nodeName,
        version: event.version,
        entitiesImpacted: entity ? [{ entityType: entity.entityType, entityValue: entity.entityValue }] : [],
        errorCode: code === undefined ? [] : [code],
        isFatal: event.isFatal,
        isHealthy: false,
        message: event.message,
        recommendedAction: event.recommendedAction,
        id: eventId,
      });
    }
  }
  return faults;
}

function faultKey(fault: TrackedFault): string {
  const entity = fault.entitiesImpacted[0];
  return [
    fault.agent,
    fault.componentClass,
    fault.checkName,
    fault.nodeName,
    fault.version,
    entity?.entityType ?? '',
    entity?.entityValue ?? '',
    fault.errorCode[0] ?? '',
  ].join('\u0000');
}

/** Adds faults not yet tracked; returns the new list and how many were added. */
export function addFaults(
  current: readonly TrackedFault[],
  added: readonly TrackedFault[],
): { faults: TrackedFault[]; added: number } {
  const keys = new Set(current.map(faultKey));
  const faults = [...current];
  for (const fault of added) {
    const key = faultKey(fault);
    if (keys.has(key)) continue;
    keys.add(key);
    faults.push(fault);
  }
  return { faults, added: faults.length - current.length };
}

/**
 * Which tracked faults a healthy event clears: same agent, component class, check, node and
 * version; limited to the event's entities and error codes when it names any (a healthy event
 * without entities or codes clears the whole check).
 */
export function clearedBy(event: HealthEvent): (fault: TrackedFault) => boolean {
  const entities = new Set(event.entitiesImpacted.map((e) => `${e.entityType}\u0000${e.entityValue}`));
  const codes = new Set(event.errorCode);
  return (fault) => {
    if (
      fault.agent !== event.agent ||
      fault.componentClass !== event.componentClass ||
      fault.checkName !== event.checkName
    )
      return false;
    if (fault.nodeName !== event.nodeName || fault.version !== event.version) return false;
    const entity = fault.entitiesImpacted[0];
    if (entities.size > 0 && !(entity && entities.has(`${entity.entityType}\u0000${entity.entityValue}`))) return false;
    if (codes.size > 0 && !(fault.errorCode[0] !== undefined && codes.has(fault.errorCode[0]))) return false;
    return true;
  };
}

/** Reads the annotation; accepts upstream's legacy single-object form. Unparseable → empty. */
export function parseTrackedFaults(annotation: string | undefined): TrackedFault[] {
  if (annotation === undefined || annotation.trim() === '') return [];
  let parsed: unknown;
  try {
    parsed = JSON.parse(annotation);
  } catch {
    return [];
  }
  const list = Array.isArray(parsed) ? parsed : [parsed];
  return list
    .filter((e): e is Record<string, unknown> => typeof e === 'object' && e !== null)
    .flatMap((e) => normalise(e));
}

export function serializeTrackedFaults(faults: readonly TrackedFault[]): string {
  return JSON.stringify(faults);
}

/** Upstream's Go encoder omits empty fields; restore them, and split legacy multi-entity entries. */
function normalise(raw: Record<string, unknown>): TrackedFault[] {
  const str = (v: unknown): string => (typeof v === 'string' ? v : '');
  const entities = Array.isArray(raw['entitiesImpacted']) ? (raw['entitiesImpacted'] as Record<string, unknown>[]) : [];
  const codes = Array.isArray(raw['errorCode']) ? (raw['errorCode'] as unknown[]).map(String) : [];
  const base = {
    ...raw,
    agent: str(raw['agent']),
    componentClass: str(raw['componentClass']),
    checkName: str(raw['checkName']),
    nodeName: str(raw['nodeName']),
    version: typeof raw['version'] === 'number' ? raw['version'] : 0,
    isFatal: raw['isFatal'] === true,
    isHealthy: raw['isHealthy'] === true,
    message: str(raw['message']),
    recommendedAction: typeof raw['recommendedAction'] === 'number' ? raw['recommendedAction'] : 0,
    id: str(raw['id']),
  };
  const entityList = entities.length > 0 ? entities : [undefined];
  const codeList = codes.length > 0 ? codes : [undefined];
  return entityList.flatMap((entity) =>
    codeList.map((code) => ({
      ...base,
      entitiesImpacted: entity
        ? [{ entityType: str(entity['entityType']), entityValue: str(entity['entityValue']) }]
        : [],
      errorCode: code === undefined ? [] : [code],
    })),
  );
}
