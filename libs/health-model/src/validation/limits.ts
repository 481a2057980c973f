/**
 * The size limits of a health event, in one place: ingest validation (HTTP and gRPC) enforces
 * them and the README documents them. String lengths count UTF-8 bytes, which is what the
 * datastore and the Kubernetes API measure (a node name must be ASCII anyway, so its bytes are
 * its characters).
 *
 * Why these numbers: node names follow Kubernetes (RFC 1123 subdomain, 253 / 63 per label).
 * Identifiers (agent, check, component class, error codes, entities, metadata keys) are names,
 * not prose: 256 bytes is far above anything a monitor sends and keeps them indexable (a
 * PostgreSQL btree row holds at most ~2.7 KB). A message is free text but is copied into node
 * conditions and Events, so 64 KiB bounds it. The list limits bound one event to well under a
 * MiB, so one monitor cannot make a single insert unstorable.
 */
export const HEALTH_EVENT_LIMITS = Object.freeze({
  /** nodeName: RFC 1123 subdomain, as Kubernetes validates node names. */
  nodeNameBytes: 253,
  /** Each dot-separated label of nodeName. */
  nodeNameLabelBytes: 63,
  /** agent, componentClass, checkName, errorCode[i], entityType, entityValue, customRecommendedAction, id, metadata keys. */
  nameBytes: 256,
  /** message. */
  messageBytes: 64 * 1024,
  /** Each metadata value. */
  metadataValueBytes: 4096,
  /** Entries of errorCode. */
  errorCodes: 256,
  /** Entries of entitiesImpacted. */
  entities: 256,
  /** Entries of metadata. */
  metadataEntries: 128,
});

export type HealthEventLimits = typeof HEALTH_EVENT_LIMITS;
