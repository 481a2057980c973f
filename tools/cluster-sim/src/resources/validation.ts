import type { StatusCause } from '../errors.js';
import { isPlainObject } from './kube-object.js';

/**
 * The metadata and taint validation the API server applies. Services build label values and taints
 * from configuration (cordon reasons, rule names), so a simulator that accepted anything would hide
 * the bugs the real cluster rejects with 422.
 */

const NAME_PART = /^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const TOTAL_ANNOTATION_BYTES = 256 * 1024;
const TAINT_EFFECTS = ['NoSchedule', 'PreferNoSchedule', 'NoExecute'];

/** A qualified name: `[prefix/]name`, prefix a DNS subdomain ≤253, name ≤63 alphanumerics with -_. inside. */
function qualifiedNameProblem(key: string): string | undefined {
  const slash = key.lastIndexOf('/');
  const prefix = slash === -1 ? undefined : key.slice(0, slash);
  const name = slash === -1 ? key : key.slice(slash + 1);
  if (prefix !== undefined && (prefix.length === 0 || prefix.length > 253 || !DNS_SUBDOMAIN.test(prefix))) {
    return 'prefix part must be a lowercase RFC 1123 subdomain (at most 253 characters)';
  }
  if (name.length === 0 || name.length > 63 || !NAME_PART.test(name)) {
    return "name part must consist of at most 63 alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";
  }
  return undefined;
}

function labelValueProblem(value: string): string | undefined {
  if (value === '') return undefined;
  if (value.length > 63 || !NAME_PART.test(value)) {
    return "a valid label must be an empty string or consist of at most 63 alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";
  }
  return undefined;
}

function stringMapCauses(
  field: string,
  map: unknown,
  checkValue: (value: string) => string | undefined,
): StatusCause[] {
  if (map === undefined || map === null) return [];
  if (!isPlainObject(map)) return [{ field, message: 'must be a map of string to string' }];
  const causes: StatusCause[] = [];
  for (const [key, value] of Object.entries(map)) {
    const keyProblem = qualifiedNameProblem(key);
    if (keyProblem) causes.push({ field, message: `Invalid value: "${key}": ${keyProblem}` });
    if (typeof value !== 'string')
      causes.push({
        field: `${field}.${key}`,
        message: `Invalid value: must be a string, got ${JSON.stringify(value)}`,
      });
    else {
      const valueProblem = checkValue(value);
      if (valueProblem)
        causes.push({ field: `${field}.${key}`, message: `Invalid value: "${value}": ${valueProblem}` });
    }
  }
  return causes;
}

export function metadataCauses(metadata: { labels?: unknown; annotations?: unknown }): StatusCause[] {
  const causes = [
    ...stringMapCauses('metadata.labels', metadata.labels, labelValueProblem),
    ...stringMapCauses('metadata.annotations', metadata.annotations, () => undefined),
  ];
  if (isPlainObject(metadata.annotations)) {
    const bytes = Object.entries(metadata.annotations).reduce(
      (sum, [key, value]) => sum + Buffer.byteLength(key) + Buffer.byteLength(String(value)),
      0,
    );
    if (bytes > TOTAL_ANNOTATION_BYTES)
      causes.push({
        field: 'metadata.annotations',
        reason: 'FieldValueTooLong',
        message: `Too long: must have at most ${TOTAL_ANNOTATION_BYTES} bytes`,
      });
  }
  return causes;
}

/** Node `spec.taints`: qualified keys, label-like values, a known effect, no duplicate key+effect. */
export function taintCauses(spec: unknown): StatusCause[] {
  if (!isPlainObject(spec) || spec.taints === undefined || spec.taints === null) return [];
  if (!Array.isArray(spec.taints)) return [{ field: 'spec.taints', message: 'must be a list' }];
  const causes: StatusCause[] = [];
  const seen = new Set<string>();
  spec.taints.forEach((taint, index) => {
    const field = `spec.taints[${index}]`;
    if (!isPlainObject(taint) || typeof taint.key !== 'string') {
      causes.push({ field: `${field}.key`, reason: 'FieldValueRequired', message: 'Required value' });
      return;
    }
    const keyProblem = qualifiedNameProblem(taint.key);
    if (keyProblem) causes.push({ field: `${field}.key`, message: `Invalid value: "${taint.key}": ${keyProblem}` });
    if (taint.value !== undefined && (typeof taint.value !== 'string' || labelValueProblem(taint.value))) {
      causes.push({
        field: `${field}.value`,
        message: `Invalid value: ${JSON.stringify(taint.value)}: ${labelValueProblem(String(taint.value)) ?? 'must be a string'}`,
      });
    }
    if (typeof taint.effect !== 'string' || !TAINT_EFFECTS.includes(taint.effect)) {
      causes.push({
        field: `${field}.effect`,
        reason: 'FieldValueNotSupported',
        message: `Unsupported value: ${JSON.stringify(taint.effect)}: supported values: "NoSchedule", "PreferNoSchedule", "NoExecute"`,
      });
    }
    const identity = `${taint.key}:${String(taint.effect)}`;
    if (seen.has(identity))
      causes.push({
        field,
        reason: 'FieldValueDuplicate',
        message: `Duplicate value: taints must be unique by key and effect pair (${identity})`,
      });
    seen.add(identity);
  });
  return causes;
}
