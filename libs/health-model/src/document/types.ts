/**
 * The canonical stored shape shared by every datastore provider: upstream NVSentinel's MongoDB
 * document (its default codec lowercases every key). Filters, pipelines and analyzer rules written
 * for upstream address these keys, so they run unchanged on every provider.
 */

export interface TimestampDocument {
  seconds: number;
  nanos: number;
}

export interface EntityDocument {
  entitytype: string;
  entityvalue: string;
}

export interface BehaviourOverridesDocument {
  force: boolean;
  skip: boolean;
}

export interface HealthEventFieldsDocument {
  version: number;
  agent: string;
  componentclass: string;
  checkname: string;
  isfatal: boolean;
  ishealthy: boolean;
  message: string;
  /** RecommendedAction enum number. */
  recommendedaction: number;
  errorcode: string[];
  entitiesimpacted: EntityDocument[];
  metadata: Record<string, string>;
  generatedtimestamp: TimestampDocument | null;
  nodename: string;
  quarantineoverrides: BehaviourOverridesDocument | null;
  drainoverrides: BehaviourOverridesDocument | null;
  /** ProcessingStrategy enum number. */
  processingstrategy: number;
  id: string;
  customrecommendedaction: string;
}

export interface OperationStatusDocument {
  status: string;
  message: string;
}

export interface HealthEventStatusDocument {
  /** '' until fault-quarantine decides. */
  nodequarantined: string;
  quarantinefinishtimestamp: TimestampDocument | null;
  userpodsevictionstatus: OperationStatusDocument;
  drainfinishtimestamp: TimestampDocument | null;
  /** google.protobuf.BoolValue shape; null until fault-remediation decides. */
  faultremediated: { value: boolean } | null;
  lastremediationtimestamp: TimestampDocument | null;
  spanids: Record<string, string>;
}

export interface HealthEventDocument {
  /** = HealthEventWithStatus.id (MongoDB stores it as an ObjectId; providers convert). */
  _id: string;
  createdAt: Date;
  healthevent: HealthEventFieldsDocument;
  healtheventstatus: HealthEventStatusDocument;
}

/** Stored MaintenanceEvent: keys are the model's camelCase names, unset dates are null. */
export interface MaintenanceEventDocument {
  eventId: string;
  csp: string;
  clusterName: string;
  resourceType: string;
  resourceId: string;
  maintenanceType: string;
  status: string;
  cspStatus: string;
  scheduledStartTime: Date | null;
  scheduledEndTime: Date | null;
  actualStartTime: Date | null;
  actualEndTime: Date | null;
  eventReceivedTimestamp: Date;
  lastUpdatedTimestamp: Date;
  recommendedAction: string;
  metadata: Record<string, string>;
  nodeName: string;
}
