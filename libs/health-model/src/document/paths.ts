/**
 * Dotted paths into the canonical stored documents. Code that filters, updates or indexes
 * documents spells paths through these constants only, so a key can never be misspelt in one
 * place and right in another.
 */
export const DocumentPaths = {
  id: '_id',
  createdAt: 'createdAt',

  healthEvent: 'healthevent',
  version: 'healthevent.version',
  agent: 'healthevent.agent',
  componentClass: 'healthevent.componentclass',
  checkName: 'healthevent.checkname',
  isFatal: 'healthevent.isfatal',
  isHealthy: 'healthevent.ishealthy',
  message: 'healthevent.message',
  recommendedAction: 'healthevent.recommendedaction',
  errorCode: 'healthevent.errorcode',
  entitiesImpacted: 'healthevent.entitiesimpacted',
  entityType: 'healthevent.entitiesimpacted.entitytype',
  entityValue: 'healthevent.entitiesimpacted.entityvalue',
  metadata: 'healthevent.metadata',
  generatedTimestamp: 'healthevent.generatedtimestamp',
  generatedTimestampSeconds: 'healthevent.generatedtimestamp.seconds',
  generatedTimestampNanos: 'healthevent.generatedtimestamp.nanos',
  nodeName: 'healthevent.nodename',
  quarantineOverrides: 'healthevent.quarantineoverrides',
  quarantineOverridesForce: 'healthevent.quarantineoverrides.force',
  quarantineOverridesSkip: 'healthevent.quarantineoverrides.skip',
  drainOverrides: 'healthevent.drainoverrides',
  drainOverridesForce: 'healthevent.drainoverrides.force',
  drainOverridesSkip: 'healthevent.drainoverrides.skip',
  processingStrategy: 'healthevent.processingstrategy',
  /** The `id` field inside the event (the document id is `DocumentPaths.id`). */
  healthEventId: 'healthevent.id',
  customRecommendedAction: 'healthevent.customrecommendedaction',

  healthEventStatus: 'healtheventstatus',
  nodeQuarantined: 'healtheventstatus.nodequarantined',
  quarantineFinishTimestamp: 'healtheventstatus.quarantinefinishtimestamp',
  userPodsEvictionStatus: 'healtheventstatus.userpodsevictionstatus',
  evictionStatus: 'healtheventstatus.userpodsevictionstatus.status',
  evictionMessage: 'healtheventstatus.userpodsevictionstatus.message',
  drainFinishTimestamp: 'healtheventstatus.drainfinishtimestamp',
  faultRemediated: 'healtheventstatus.faultremediated',
  /** Where upstream queries look for the remediation outcome (BoolValue shape). */
  faultRemediatedValue: 'healtheventstatus.faultremediated.value',
  lastRemediationTimestamp: 'healtheventstatus.lastremediationtimestamp',
  spanIds: 'healtheventstatus.spanids',
} as const;
export type DocumentPath = (typeof DocumentPaths)[keyof typeof DocumentPaths];

/** `healtheventstatus.spanids.<service>`; throws for a service name that would split the path. */
export function spanIdPath(service: string): string {
  return `${DocumentPaths.spanIds}.${pathSegment(service, 'span id service name')}`;
}

/** `healthevent.metadata.<key>`; throws for a key that would split the path. */
export function metadataPath(key: string): string {
  return `${DocumentPaths.metadata}.${pathSegment(key, 'metadata key')}`;
}

/** Paths into the stored MaintenanceEvent (its keys are the model's camelCase names). */
export const MaintenanceDocumentPaths = {
  id: '_id',
  eventId: 'eventId',
  csp: 'csp',
  clusterName: 'clusterName',
  resourceType: 'resourceType',
  resourceId: 'resourceId',
  maintenanceType: 'maintenanceType',
  status: 'status',
  cspStatus: 'cspStatus',
  scheduledStartTime: 'scheduledStartTime',
  scheduledEndTime: 'scheduledEndTime',
  actualStartTime: 'actualStartTime',
  actualEndTime: 'actualEndTime',
  eventReceivedTimestamp: 'eventReceivedTimestamp',
  lastUpdatedTimestamp: 'lastUpdatedTimestamp',
  recommendedAction: 'recommendedAction',
  metadata: 'metadata',
  nodeName: 'nodeName',
} as const;
export type MaintenanceDocumentPath = (typeof MaintenanceDocumentPaths)[keyof typeof MaintenanceDocumentPaths];

function pathSegment(segment: string, what: string): string {
  // A '.' would address a nested field and a leading '$' is an operator in MongoDB updates.
  if (segment === '' || segment.includes('.') || segment.startsWith('$')) {
    throw new RangeError(
      `${what} '${segment}' cannot be used in a document path: it must be non-empty, contain no '.' and not start with '$'`,
    );
  }
  return segment;
}
