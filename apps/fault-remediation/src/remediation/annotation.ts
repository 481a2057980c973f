/**
 * The node annotation `latestFaultRemediationState`, upstream's exact JSON:
 *   {"equivalenceGroups": {"<group>": {"maintenanceCR": "<name>", "createdAt": "<RFC3339>", "actionName": "<action>"}}}
 * It remembers which CR covers which equivalence group on the node, so a later event of the same
 * group waits for (or reuses) that CR instead of creating another.
 */
export const REMEDIATION_STATE_ANNOTATION = 'latestFaultRemediationState';

export interface GroupState {
  maintenanceCR: string;
  createdAt: string;
  actionName: string;
}

export interface RemediationState {
  equivalenceGroups: Record<string, GroupState>;
}

/** An unparsable or missing value is treated as empty (upstream). */
export function parseRemediationState(value: string | undefined): RemediationState {
  if (!value) return { equivalenceGroups: {} };
  try {
    const parsed = JSON.parse(value) as { equivalenceGroups?: unknown };
    const groups = parsed?.equivalenceGroups;
    if (typeof groups !== 'object' || groups === null || Array.isArray(groups)) return { equivalenceGroups: {} };
    const out: Record<string, GroupState> = {};
    for (const [group, entry] of Object.entries(groups as Record<string, unknown>)) {
      const e = entry as Partial<GroupState> | null;
      if (e && typeof e.maintenanceCR === 'string') {
        out[group] = {
          maintenanceCR: e.maintenanceCR,
          createdAt: String(e.createdAt ?? ''),
          actionName: String(e.actionName ?? ''),
        };
      }
    }
    return { equivalenceGroups: out };
  } catch {
    return { equivalenceGroups: {} };
  }
}

/** The annotation value, or null (delete the key) when no group remains. */
export function serializeRemediationState(state: RemediationState): string | null {
  const groups = Object.keys(state.equivalenceGroups);
  if (groups.length === 0) return null;
  const ordered: Record<string, GroupState> = {};
  for (const group of groups.sort()) {
    const e = state.equivalenceGroups[group]!;
    ordered[group] = { maintenanceCR: e.maintenanceCR, createdAt: e.createdAt, actionName: e.actionName };
  }
  return JSON.stringify({ equivalenceGroups: ordered });
}

export function withGroup(state: RemediationState, group: string, entry: GroupState): RemediationState {
  return { equivalenceGroups: { ...state.equivalenceGroups, [group]: entry } };
}

export function withoutGroups(state: RemediationState, groups: readonly string[]): RemediationState {
  const next = { ...state.equivalenceGroups };
  for (const group of groups) delete next[group];
  return { equivalenceGroups: next };
}

/**
 * RFC 3339 as Go's encoding/json writes a time.Time (RFC3339Nano, trailing zeros trimmed). Whole
 * seconds would not do: an event raised in the same second as the CR would look newer than it.
 */
export function rfc3339(date: Date): string {
  return date.toISOString().replace(/\.(\d*?)0*Z$/, (_m, digits: string) => (digits ? `.${digits}Z` : 'Z'));
}
