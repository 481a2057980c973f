import { K8sError, K8sErrorCode } from '../errors.js';

/** One parsed requirement of a Kubernetes label selector. */
export type LabelRequirement =
  { op: 'exists' | 'notexists'; key: string } | { op: 'in' | 'notin'; key: string; values: string[] };

export type LabelSelectorInput = string | Readonly<Record<string, string>>;

/**
 * Parse the label selector syntax the API server accepts (`a=b`, `a==b`, `a!=b`, `a`, `!a`,
 * `a in (x,y)`, `a notin (x)`), comma-separated. A map means "all these key=value pairs".
 */
export function parseLabelSelector(selector: LabelSelectorInput): LabelRequirement[] {
  if (typeof selector !== 'string') {
    return Object.entries(selector).map(([key, value]) => ({ op: 'in', key, values: [value] }));
  }
  const requirements: LabelRequirement[] = [];
  for (const part of splitTopLevel(selector)) {
    const term = part.trim();
    if (term === '') continue;
    const setMatch = /^([^\s!=(),]+)\s+(in|notin)\s*\(([^)]*)\)$/.exec(term);
    if (setMatch) {
      const values = setMatch[3]
        .split(',')
        .map((v) => v.trim())
        .filter((v) => v !== '');
      requirements.push({ op: setMatch[2] as 'in' | 'notin', key: setMatch[1], values });
      continue;
    }
    const eqMatch = /^([^\s!=(),]+)\s*(==|=|!=)\s*([^\s!=(),]*)$/.exec(term);
    if (eqMatch) {
      const op = eqMatch[2] === '!=' ? 'notin' : 'in';
      requirements.push({ op, key: eqMatch[1], values: [eqMatch[3]] });
      continue;
    }
    const existsMatch = /^(!?)\s*([^\s!=(),]+)$/.exec(term);
    if (existsMatch) {
      requirements.push({ op: existsMatch[1] ? 'notexists' : 'exists', key: existsMatch[2] });
      continue;
    }
    throw new K8sError(
      K8sErrorCode.BAD_REQUEST,
      `cannot parse label selector term "${term}" in "${selector}"; use key=value, key!=value, key in (a,b), key or !key`,
    );
  }
  return requirements;
}

/** Split on commas that are not inside parentheses. */
function splitTopLevel(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let current = '';
  for (const ch of text) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) {
      parts.push(current);
      current = '';
    } else {
      current += ch;
    }
  }
  parts.push(current);
  return parts;
}

export function matchesLabels(
  labels: Readonly<Record<string, string>> | undefined,
  requirements: LabelRequirement[],
): boolean {
  const actual = labels ?? {};
  return requirements.every((req) => {
    const has = Object.prototype.hasOwnProperty.call(actual, req.key);
    switch (req.op) {
      case 'exists':
        return has;
      case 'notexists':
        return !has;
      case 'in':
        return has && req.values.includes(actual[req.key]);
      case 'notin':
        return !has || !req.values.includes(actual[req.key]);
    }
  });
}

/** Render a selector for the API's `labelSelector` query parameter. */
export function formatLabelSelector(selector: LabelSelectorInput): string {
  if (typeof selector === 'string') return selector;
  return Object.entries(selector)
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
}
