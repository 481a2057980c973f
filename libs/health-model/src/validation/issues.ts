/** One problem found in an input, e.g. `{ path: 'events[3].nodeName', message: 'required' }`. */
export interface ValidationIssue {
  /** JS-style path into the input (`events[0].entitiesImpacted[1].entityType`); '' = the input itself. */
  path: string;
  message: string;
}

/** Renders an issue the way it is shown to users: `events[3].nodeName: required`. */
export function formatIssue(issue: ValidationIssue): string {
  return issue.path === '' ? issue.message : `${issue.path}: ${issue.message}`;
}

/** Appends a property name to a path (`events[0]` + `nodeName` → `events[0].nodeName`). */
export function childPath(path: string, key: string): string {
  return path === '' ? key : `${path}.${key}`;
}

/** Appends an array index to a path (`events` + 3 → `events[3]`). */
export function indexPath(path: string, index: number): string {
  return `${path}[${index}]`;
}

/** Names the JSON type of a value for "expected X, got Y" messages. */
export function describeType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (value instanceof Date) return 'date';
  return typeof value;
}
