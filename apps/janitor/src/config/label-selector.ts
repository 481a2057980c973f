/**
 * metav1.LabelSelector (matchLabels + matchExpressions), the form upstream's `nodes.exclusions`
 * use. An empty selector matches nothing here: an exclusion list entry `{}` excluding every node is
 * never what an operator meant, so parsing rejects it instead.
 */
export interface LabelSelectorRequirement {
  key: string;
  operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist';
  values?: string[];
}

export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: LabelSelectorRequirement[];
}

export function selectorMatches(
  selector: LabelSelector,
  labels: Readonly<Record<string, string>> | undefined,
): boolean {
  const have = labels ?? {};
  for (const [key, value] of Object.entries(selector.matchLabels ?? {})) {
    if (have[key] !== value) return false;
  }
  for (const requirement of selector.matchExpressions ?? []) {
    const present = Object.hasOwn(have, requirement.key);
    const value = have[requirement.key];
    switch (requirement.operator) {
      case 'In':
        if (!present || !(requirement.values ?? []).includes(value!)) return false;
        break;
      case 'NotIn':
        if (present && (requirement.values ?? []).includes(value!)) return false;
        break;
      case 'Exists':
        if (!present) return false;
        break;
      case 'DoesNotExist':
        if (present) return false;
        break;
    }
  }
  return true;
}

/** True when any selector matches. */
export function anySelectorMatches(
  selectors: readonly LabelSelector[],
  labels: Readonly<Record<string, string>> | undefined,
): boolean {
  return selectors.some((selector) => selectorMatches(selector, labels));
}

/** Human form for messages: `matchLabels{a=b}, c In (x,y)`. */
export function describeSelector(selector: LabelSelector): string {
  const parts = Object.entries(selector.matchLabels ?? {}).map(([k, v]) => `${k}=${v}`);
  for (const r of selector.matchExpressions ?? []) {
    parts.push(r.values?.length ? `${r.key} ${r.operator} (${r.values.join(',')})` : `${r.key} ${r.operator}`);
  }
  return parts.join(', ');
}
