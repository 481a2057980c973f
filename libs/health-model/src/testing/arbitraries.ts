/**
 * fast-check arbitraries for the data model, shared by every package's property tests
 * (import from `@nvsentinel/health-model/testing`).
 *
 * Generated values are valid everywhere they may be sent or stored:
 * - strings never contain control characters (ingest refuses them; PostgreSQL jsonb refuses U+0000);
 * - map keys (metadata, spanIds) are identifier-like, so they are safe as dotted-path segments
 *   (`healtheventstatus.spanids.<service>`) in MongoDB and SQL updates;
 * - nodeName, checkName, agent and entity types/values are non-blank, and customRecommendedAction
 *   is non-blank when recommendedAction is CUSTOM, so every HealthEvent passes validateHealthEvent;
 * - timestamps lie in 1970..2100, dates in 2000..2100 with millisecond precision.
 */
import fc from 'fast-check';
import {
  CSPStatus,
  EvictionStatus,
  MaintenanceStatus,
  ProcessingStrategy,
  QuarantineStatus,
  RecommendedAction,
  type BehaviourOverrides,
  type Entity,
  type HealthEvent,
  type HealthEventStatus,
  type HealthEventWithStatus,
  type MaintenanceEvent,
  type Timestamp,
} from '../model/types.js';
import { ProcessingStrategyValues, RecommendedActionValues } from '../model/enums.js';
import { toDocument } from '../document/health-event-document.js';
import { maintenanceEventToDocument } from '../document/maintenance-document.js';
import type { HealthEventDocument, MaintenanceEventDocument } from '../document/types.js';

const MIN_DATE = new Date('2000-01-01T00:00:00.000Z');
const MAX_DATE = new Date('2100-01-01T00:00:00.000Z');
// Consumers compare with toStrictEqual, which distinguishes null-prototype objects.
const PLAIN = { noNullPrototype: true } as const;
const MAX_SECONDS = MAX_DATE.getTime() / 1000;

/**
 * Free text: mostly printable ASCII, sometimes any Unicode, never a control character (ingest
 * validation refuses them; see HEALTH_EVENT_LIMITS and validation/text.ts).
 */
export const textArbitrary: fc.Arbitrary<string> = fc
  .oneof(
    { arbitrary: fc.string({ maxLength: 24 }), weight: 4 },
    { arbitrary: fc.string({ unit: 'binary', maxLength: 12 }), weight: 1 },
  )
  .map((s) => s.replaceAll(/\p{Cc}/gu, ''));

/** A key safe in maps and as a dotted-path segment: `[A-Za-z][A-Za-z0-9_-]*`. */
export const mapKeyArbitrary: fc.Arbitrary<string> = fc.stringMatching(/^[A-Za-z][A-Za-z0-9_-]{0,15}$/);

/** A Kubernetes-style name (DNS label). */
export const kubernetesNameArbitrary: fc.Arbitrary<string> = fc.stringMatching(/^[a-z][a-z0-9-]{0,20}[a-z0-9]$/);

/** A 24-hex-digit id, valid as a MongoDB ObjectId string and as a PostgreSQL text id. */
export const documentIdArbitrary: fc.Arbitrary<string> = fc.stringMatching(/^[0-9a-f]{24}$/);

export const timestampArbitrary: fc.Arbitrary<Timestamp> = fc.record(
  { seconds: fc.integer({ min: 0, max: MAX_SECONDS }), nanos: fc.integer({ min: 0, max: 999_999_999 }) },
  PLAIN,
);

/** A Date in 2000..2100 (millisecond precision, never invalid). */
export const dateArbitrary: fc.Arbitrary<Date> = fc.date({ min: MIN_DATE, max: MAX_DATE, noInvalidDate: true });

/** A small pool of node names, so generated events collide on a node often (useful for per-node queries). */
export const NODE_NAME_POOL = ['gpu-node-1', 'gpu-node-2', 'gpu-node-3'] as const;

export const nodeNameArbitrary: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(...NODE_NAME_POOL),
  kubernetesNameArbitrary,
);

export const checkNameArbitrary: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom('GpuXidError', 'GpuMemWatch', 'SysLogsXIDError', 'SysLogsGPUFallenOff', 'CSPMaintenance'),
  mapKeyArbitrary,
);

export const agentArbitrary: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom('gpu-health-monitor', 'syslog-health-monitor', 'csp-health-monitor', 'health-events-analyzer'),
  kubernetesNameArbitrary,
);

export const recommendedActionArbitrary: fc.Arbitrary<RecommendedAction> = fc.constantFrom(
  ...(Object.values(RecommendedActionValues) as RecommendedAction[]),
);

export const processingStrategyArbitrary: fc.Arbitrary<ProcessingStrategy> = fc.constantFrom(
  ...(Object.values(ProcessingStrategyValues) as ProcessingStrategy[]),
);

export const entityArbitrary: fc.Arbitrary<Entity> = fc.record(
  {
    entityType: fc.oneof(fc.constantFrom('GPU', 'PCI', 'GPU_UUID', 'NIC'), mapKeyArbitrary),
    // Validation requires both halves of an entity to be non-blank.
    entityValue: fc.oneof(fc.constantFrom('0', '1', '0002:00:00.0'), textArbitrary.filter(isNonBlank)),
  },
  PLAIN,
);

export const behaviourOverridesArbitrary: fc.Arbitrary<BehaviourOverrides> = fc.record(
  { force: fc.boolean(), skip: fc.boolean() },
  PLAIN,
);

const stringMapArbitrary = (keys: fc.Arbitrary<string>): fc.Arbitrary<Record<string, string>> =>
  fc.dictionary(keys, textArbitrary, { maxKeys: 4, noNullPrototype: true });

export interface HealthEventArbitraryOptions {
  nodeName?: fc.Arbitrary<string>;
  checkName?: fc.Arbitrary<string>;
  agent?: fc.Arbitrary<string>;
  /** Defaults to any RecommendedAction. */
  recommendedAction?: fc.Arbitrary<RecommendedAction>;
  isFatal?: fc.Arbitrary<boolean>;
  isHealthy?: fc.Arbitrary<boolean>;
  /** Defaults to '' or a document id. */
  id?: fc.Arbitrary<string>;
}

/** A HealthEvent that passes validation; optional messages are absent (not undefined) when unset. */
export function healthEventArbitrary(options: HealthEventArbitraryOptions = {}): fc.Arbitrary<HealthEvent> {
  return fc
    .record(
      {
        version: fc.oneof(fc.constant(1), fc.integer({ min: 0, max: 0xffff_ffff })),
        agent: options.agent ?? agentArbitrary,
        componentClass: fc.oneof(fc.constantFrom('GPU', 'NIC', 'Node', 'EC2'), textArbitrary),
        checkName: options.checkName ?? checkNameArbitrary,
        isFatal: options.isFatal ?? fc.boolean(),
        isHealthy: options.isHealthy ?? fc.boolean(),
        message: textArbitrary,
        recommendedAction: options.recommendedAction ?? recommendedActionArbitrary,
        errorCode: fc.array(fc.oneof(fc.constantFrom('79', '48', 'DCGM_FR_UNCONTAINED_ERROR'), textArbitrary), {
          maxLength: 3,
        }),
        entitiesImpacted: fc.array(entityArbitrary, { maxLength: 3 }),
        metadata: stringMapArbitrary(mapKeyArbitrary),
        generatedTimestamp: timestampArbitrary,
        nodeName: options.nodeName ?? nodeNameArbitrary,
        quarantineOverrides: behaviourOverridesArbitrary,
        drainOverrides: behaviourOverridesArbitrary,
        processingStrategy: processingStrategyArbitrary,
        id: options.id ?? fc.oneof(fc.constant(''), documentIdArbitrary),
        customRecommendedAction: textArbitrary,
      },
      {
        noNullPrototype: true,
        requiredKeys: [
          'version',
          'agent',
          'componentClass',
          'checkName',
          'isFatal',
          'isHealthy',
          'message',
          'recommendedAction',
          'errorCode',
          'entitiesImpacted',
          'metadata',
          'nodeName',
          'processingStrategy',
          'id',
          'customRecommendedAction',
        ],
      },
    )
    .map((event) => {
      // Upstream rejects CUSTOM without a name; keep every generated event valid.
      if (event.recommendedAction === RecommendedAction.CUSTOM && !isNonBlank(event.customRecommendedAction)) {
        return { ...event, customRecommendedAction: 'CUSTOM_ACTION' };
      }
      return event;
    });
}

const timestampOrAbsent = fc.option(timestampArbitrary, { nil: undefined });

/** Any status a stored event can have: from the initial one to fully processed. */
export const healthEventStatusArbitrary: fc.Arbitrary<HealthEventStatus> = fc
  .record(
    {
      nodeQuarantined: fc.constantFrom('', ...Object.values(QuarantineStatus)),
      quarantineFinishTimestamp: timestampOrAbsent,
      userPodsEvictionStatus: fc.record(
        { status: fc.constantFrom('', ...Object.values(EvictionStatus)), message: textArbitrary },
        PLAIN,
      ),
      drainFinishTimestamp: timestampOrAbsent,
      faultRemediated: fc.option(fc.boolean(), { nil: null }),
      lastRemediationTimestamp: timestampOrAbsent,
      spanIds: stringMapArbitrary(
        fc.oneof(fc.constantFrom('platform-connector', 'fault-quarantine', 'node-drainer'), mapKeyArbitrary),
      ),
    },
    PLAIN,
  )
  .map(dropUndefined);

export interface HealthEventWithStatusArbitraryOptions extends HealthEventArbitraryOptions {
  status?: fc.Arbitrary<HealthEventStatus>;
}

/** A stored event. `healthEvent.id` is '' (as inserted) or equal to the document id (as consumers fill it). */
export function healthEventWithStatusArbitrary(
  options: HealthEventWithStatusArbitraryOptions = {},
): fc.Arbitrary<HealthEventWithStatus> {
  return fc
    .record(
      {
        id: documentIdArbitrary,
        createdAt: dateArbitrary,
        healthEvent: healthEventArbitrary({ ...options, id: fc.constant('') }),
        healthEventStatus: options.status ?? healthEventStatusArbitrary,
        copyIdIntoEvent: fc.boolean(),
      },
      PLAIN,
    )
    .map(({ copyIdIntoEvent, ...stored }) =>
      copyIdIntoEvent ? { ...stored, healthEvent: { ...stored.healthEvent, id: stored.id } } : stored,
    );
}

/** Canonical stored documents (what a provider holds), for filter and pipeline tests. */
export function healthEventDocumentArbitrary(
  options: HealthEventWithStatusArbitraryOptions = {},
): fc.Arbitrary<HealthEventDocument> {
  return healthEventWithStatusArbitrary(options).map(toDocument);
}

export interface MaintenanceEventArbitraryOptions {
  nodeName?: fc.Arbitrary<string>;
  csp?: fc.Arbitrary<string>;
  status?: fc.Arbitrary<MaintenanceStatus>;
  cspStatus?: fc.Arbitrary<CSPStatus>;
}

export function maintenanceEventArbitrary(
  options: MaintenanceEventArbitraryOptions = {},
): fc.Arbitrary<MaintenanceEvent> {
  const dateOrNull = fc.option(dateArbitrary, { nil: null });
  return fc.record(
    {
      eventId: fc.oneof(documentIdArbitrary, kubernetesNameArbitrary),
      csp: options.csp ?? fc.constantFrom('gcp', 'aws'),
      clusterName: kubernetesNameArbitrary,
      resourceType: fc.constantFrom('gce_instance', 'EC2'),
      resourceId: kubernetesNameArbitrary,
      maintenanceType: fc.constantFrom('SCHEDULED', 'UNSCHEDULED'),
      status: options.status ?? fc.constantFrom(...Object.values(MaintenanceStatus)),
      cspStatus: options.cspStatus ?? fc.constantFrom(...Object.values(CSPStatus)),
      scheduledStartTime: dateOrNull,
      scheduledEndTime: dateOrNull,
      actualStartTime: dateOrNull,
      actualEndTime: dateOrNull,
      eventReceivedTimestamp: dateArbitrary,
      lastUpdatedTimestamp: dateArbitrary,
      recommendedAction: fc.constantFrom('RESTART_VM', 'NONE', ''),
      metadata: stringMapArbitrary(mapKeyArbitrary),
      nodeName: options.nodeName ?? nodeNameArbitrary,
    },
    PLAIN,
  );
}

export function maintenanceEventDocumentArbitrary(
  options: MaintenanceEventArbitraryOptions = {},
): fc.Arbitrary<MaintenanceEventDocument> {
  return maintenanceEventArbitrary(options).map(maintenanceEventToDocument);
}

function isNonBlank(s: string): boolean {
  return s.trim() !== '';
}

function dropUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
