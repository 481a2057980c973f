/** The datastore look-ups `decide` needs, expressed as upstream-shaped filters over canonical paths. */
import { DocumentPaths, EvictionStatus, QuarantineStatus, type HealthEventWithStatus } from '@nvsentinel/health-model';
import type { HealthEventStore } from '@nvsentinel/store-client';
import { drainScopeOf, type DecisionFacts } from './decide.js';
import type { DrainScope } from './pod-plan.js';

export async function loadDecisionFacts(
  store: HealthEventStore,
  event: HealthEventWithStatus,
  partialDrainEnabled: boolean,
): Promise<DecisionFacts> {
  const node = event.healthEvent.nodeName;
  const ended = await findAny(store, {
    [DocumentPaths.nodeName]: node,
    [DocumentPaths.nodeQuarantined]: QuarantineStatus.UnQuarantined,
    [DocumentPaths.createdAt]: { $gt: event.createdAt },
  });
  const facts: DecisionFacts = { sessionEnded: ended, drainedInSession: false, partialDrainEnabled };
  if (facts.sessionEnded || event.healthEventStatus.nodeQuarantined !== QuarantineStatus.AlreadyQuarantined)
    return facts;

  // The session began with the newest Quarantined event at or before this one.
  const start = newest(
    await store.findHealthEventsByFilter({
      [DocumentPaths.nodeName]: node,
      [DocumentPaths.nodeQuarantined]: QuarantineStatus.Quarantined,
      [DocumentPaths.createdAt]: { $lte: event.createdAt },
    }),
  );
  const drained = await store.findHealthEventsByFilter({
    [DocumentPaths.nodeName]: node,
    [DocumentPaths.evictionStatus]: EvictionStatus.Succeeded,
    [DocumentPaths.nodeQuarantined]: { $in: [QuarantineStatus.Quarantined, QuarantineStatus.AlreadyQuarantined] },
    ...(start ? { [DocumentPaths.createdAt]: { $gte: start.createdAt } } : {}),
  });
  const scope = drainScopeOf(event, partialDrainEnabled);
  facts.drainedInSession =
    scope !== 'missing-gpu-entity' &&
    drained.some((previous) => {
      const previousScope = drainScopeOf(previous, partialDrainEnabled);
      return previousScope !== 'missing-gpu-entity' && covers(previousScope, scope);
    });
  return facts;
}

/** A full drain covers everything; a GPU drain covers the same GPU only. */
function covers(done: DrainScope, wanted: DrainScope): boolean {
  if (done.kind === 'full') return true;
  return wanted.kind === 'gpu' && done.gpuUuid.toLowerCase() === wanted.gpuUuid.toLowerCase();
}

// The filters above select a handful of events on one node. The plain-filter path is used on
// purpose: store-client's sorted/limited finds go through the aggregation compiler, which costs
// hundreds of milliseconds per call on PostgreSQL (reported to store-client).
async function findAny(store: HealthEventStore, filter: Record<string, unknown>): Promise<boolean> {
  return (await store.countHealthEvents(filter)) > 0;
}

function newest(events: HealthEventWithStatus[]): HealthEventWithStatus | undefined {
  return events.reduce<HealthEventWithStatus | undefined>(
    (latest, e) => (!latest || e.createdAt > latest.createdAt ? e : latest),
    undefined,
  );
}
