/** Kubernetes label values: at most 63 characters of [A-Za-z0-9_.-], starting and ending alphanumeric. */

const MAX_LABEL_VALUE = 63;

export function sanitizeLabelValue(value: string): string {
  const cleaned = value.replace(/[^A-Za-z0-9_.-]/g, '-').slice(0, MAX_LABEL_VALUE);
  return cleaned.replace(/^[^A-Za-z0-9]+/, '').replace(/[^A-Za-z0-9]+$/, '');
}

/** Upstream's label timestamp layout `2006-01-02T15-04-05Z` (colons are not allowed in label values). */
export function labelTimestamp(date: Date): string {
  return date
    .toISOString()
    .replace(/\.\d+Z$/, 'Z')
    .replace(/:/g, '-');
}
