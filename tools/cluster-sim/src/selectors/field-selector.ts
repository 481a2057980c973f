import { badRequest } from '../errors.js';
import { readPath, type KubeObject } from '../resources/kube-object.js';

export type FieldMatcher = (object: KubeObject) => boolean;

interface FieldRequirement {
  field: string;
  negate: boolean;
  value: string;
}

/** Field values compare as strings, as the API server's field sets do (booleans become "true"/"false"). */
function fieldValue(object: KubeObject, field: string): string {
  const value = readPath(object, field);
  if (value === undefined || value === null) return '';
  return String(value);
}

/**
 * Parses `?fieldSelector=` (`a=b`, `a==b`, `a!=b`, comma-joined) and rejects fields the resource
 * doesn't index, with the same error the real API server gives.
 */
export function compileFieldSelector(
  selector: string | undefined,
  supported: readonly string[],
  kind: string,
): FieldMatcher {
  if (!selector || selector.trim() === '') return () => true;
  const requirements: FieldRequirement[] = selector.split(',').map((term) => {
    const match = /^\s*([^!=\s]+)\s*(==|=|!=)\s*(.*?)\s*$/.exec(term);
    if (!match)
      throw badRequest(`invalid field selector "${selector}": each term must look like field=value or field!=value`);
    const [, field, op, value] = match;
    return { field: field!, negate: op === '!=', value: value! };
  });
  for (const { field } of requirements) {
    if (field !== 'metadata.name' && field !== 'metadata.namespace' && !supported.includes(field)) {
      throw badRequest(
        `field label not supported: ${field} (${kind} supports metadata.name, metadata.namespace${supported.length ? ', ' + supported.join(', ') : ''})`,
      );
    }
  }
  return (object) => requirements.every(({ field, negate, value }) => (fieldValue(object, field) === value) !== negate);
}
