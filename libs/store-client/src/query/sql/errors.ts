import { DatastoreError } from '../../errors.js';

/** Where in a filter or pipeline a problem sits, reported in `DatastoreError.details`. */
export interface QueryLocation {
  /** Pipeline stage name (`$group`) or `filter` for a plain filter. */
  stage?: string;
  /** Index of the stage in the pipeline. */
  index?: number;
  /** The operator or expression that could not be compiled. */
  operator?: string;
}

/** The operator or stage is valid MongoDB but this translator does not compile it. */
export function unsupported(what: string, location: QueryLocation, alternatives: string): DatastoreError {
  const where = describe(location);
  return new DatastoreError(
    'unsupported_pipeline',
    `${what} is not supported by the PostgreSQL query translator${where}. ${alternatives}`,
    { details: { ...location } },
  );
}

/** The filter or pipeline is malformed (MongoDB would reject it too). */
export function invalid(message: string, location: QueryLocation): DatastoreError {
  return new DatastoreError('validation', `${message}${describe(location)}`, { details: { ...location } });
}

function describe(location: QueryLocation): string {
  const parts: string[] = [];
  if (location.stage !== undefined)
    parts.push(location.index !== undefined ? `stage ${location.index} (${location.stage})` : location.stage);
  if (location.operator !== undefined) parts.push(`operator ${location.operator}`);
  return parts.length ? ` (at ${parts.join(', ')})` : '';
}
