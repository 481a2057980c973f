/**
 * google.cloud.audit.AuditLog, the payload of GCE maintenance entries. The Cloud Logging client
 * ships no AuditLog type, so over REST its JSON decoder cannot read `protoPayload` (an Any). We
 * register the fields we read (numbers as in google/cloud/audit/audit_log.proto) in the client's
 * own type registry; unknown fields are ignored by the decoder.
 */
export const AUDIT_LOG_TYPE = 'google.cloud.audit.AuditLog';
export const AUDIT_LOG_TYPE_URL = `type.googleapis.com/${AUDIT_LOG_TYPE}`;

export const AUDIT_LOG_DESCRIPTOR = {
  nested: {
    google: {
      nested: {
        cloud: {
          nested: {
            audit: {
              nested: {
                AuditLog: {
                  fields: {
                    serviceName: { type: 'string', id: 7 },
                    methodName: { type: 'string', id: 8 },
                    resourceName: { type: 'string', id: 11 },
                    status: { type: 'google.rpc.Status', id: 2 },
                    request: { type: 'google.protobuf.Struct', id: 16 },
                    response: { type: 'google.protobuf.Struct', id: 17 },
                    metadata: { type: 'google.protobuf.Struct', id: 18 },
                  },
                },
              },
            },
          },
        },
      },
    },
  },
};

export interface AuditLog {
  serviceName?: string;
  methodName?: string;
  resourceName?: string;
  status?: { code?: number; message?: string };
  metadata?: Record<string, unknown>;
}

/** The protobufjs Root surface we use (the client's registry). */
export interface ProtoRoot {
  addJSON(json: Record<string, unknown>): unknown;
  lookupType(name: string): {
    decode(bytes: Uint8Array): unknown;
    toObject(message: unknown, options?: Record<string, unknown>): Record<string, unknown>;
  };
}

/** google.protobuf.Struct (as protobufjs objects: `{fields: {k: {stringValue: …}}}`) → plain JSON. */
export function structToObject(struct: unknown): Record<string, unknown> {
  const fields = (struct as { fields?: Record<string, unknown> } | undefined)?.fields ?? {};
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(fields)) out[key] = structValue(value);
  return out;
}

function structValue(value: unknown): unknown {
  const v = value as Record<string, unknown>;
  if (v === null || typeof v !== 'object') return v;
  if ('stringValue' in v) return v.stringValue;
  if ('numberValue' in v) return v.numberValue;
  if ('boolValue' in v) return v.boolValue;
  if ('structValue' in v) return structToObject(v.structValue);
  if ('listValue' in v) return ((v.listValue as { values?: unknown[] }).values ?? []).map(structValue);
  return null;
}
