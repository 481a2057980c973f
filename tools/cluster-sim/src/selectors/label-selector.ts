import { badRequest } from '../errors.js';

/** One parsed requirement of a label selector string (the `?labelSelector=` grammar). */
export type LabelRequirement =
  | { key: string; op: 'in'; values: string[] }
  | { key: string; op: 'notin'; values: string[] }
  | { key: string; op: 'exists' }
  | { key: string; op: '!exists' };

export type LabelMatcher = (labels: Record<string, string> | undefined) => boolean;

/** Splits on commas that are not inside a `(…)` value set. */
function splitTopLevel(selector: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let current = '';
  for (const char of selector) {
    if (char === '(') depth += 1;
    if (char === ')') depth -= 1;
    if (char === ',' && depth === 0) {
      parts.push(current);
      current = '';
    } else {
      current += char;
    }
  }
  parts.push(current);
  return parts.map((part) => part.trim()).filter((part) => part.length > 0);
}

function parseRequirement(term: string, selector: string): LabelRequirement {
  const setMatch = /^(\S+)\s+(in|notin)\s*\(([^)]*)\)$/.exec(term);
  if (setMatch) {
    const values = setMatch[3]!.split(',').map((value) => value.trim());
    return { key: setMatch[1]!, op: setMatch[2] as 'in' | 'notin', values };
  }
  const equality = /^([^!=\s]+)\s*(==|=|!=)\s*(\S*)$/.exec(term);
  if (equality) {
    const [, key, op, value] = equality;
    return op === '!=' ? { key: key!, op: 'notin', values: [value!] } : { key: key!, op: 'in', values: [value!] };
  }
  const absent = /^!\s*([^!=\s()]+)$/.exec(term);
  if (absent) return { key: absent[1]!, op: '!exists' };
  if (/^[^!=\s()]+$/.test(term)) return { key: term, op: 'exists' };
  throw badRequest(`unable to parse requirement: "${term}" in label selector "${selector}"`);
}

export function parseLabelSelector(selector: string | undefined): LabelRequirement[] {
  if (!selector || selector.trim() === '') return [];
  return splitTopLevel(selector).map((term) => parseRequirement(term, selector));
}

function matchesRequirements(requirements: LabelRequirement[], labels: Record<string, string> | undefined): boolean {
  return requirements.every((requirement) => {
    const value = labels?.[requirement.key];
    switch (requirement.op) {
      case 'in':
        return value !== undefined && requirement.values.includes(value);
      case 'notin':
        return value === undefined || !requirement.values.includes(value);
      case 'exists':
        return value !== undefined;
      case '!exists':
        return value === undefined;
    }
  });
}

export function compileLabelSelector(selector: string | undefined): LabelMatcher {
  const requirements = parseLabelSelector(selector);
  return (labels) => matchesRequirements(requirements, labels);
}

/** A structured metav1.LabelSelector, as PodDisruptionBudgets carry it. */
export interface StructuredLabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: { key: string; operator: string; values?: string[] }[];
}

/**
 * Compiles a structured selector. Like the API server, an empty selector matches everything and a
 * missing one (`undefined`) matches nothing — PDBs rely on that difference.
 */
export function compileStructuredSelector(selector: StructuredLabelSelector | undefined | null): LabelMatcher {
  if (!selector) return () => false;
  const requirements: LabelRequirement[] = [];
  for (const [key, value] of Object.entries(selector.matchLabels ?? {}))
    requirements.push({ key, op: 'in', values: [value] });
  for (const expression of selector.matchExpressions ?? []) {
    switch (expression.operator) {
      case 'In':
        requirements.push({ key: expression.key, op: 'in', values: expression.values ?? [] });
        break;
      case 'NotIn':
        requirements.push({ key: expression.key, op: 'notin', values: expression.values ?? [] });
        break;
      case 'Exists':
        requirements.push({ key: expression.key, op: 'exists' });
        break;
      case 'DoesNotExist':
        requirements.push({ key: expression.key, op: '!exists' });
        break;
      default:
        throw badRequest(
          `"${expression.operator}" is not a valid label selector operator (use In, NotIn, Exists or DoesNotExist)`,
        );
    }
  }
  return (labels) => matchesRequirements(requirements, labels);
}
