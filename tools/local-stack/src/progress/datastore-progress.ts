/**
 * Progress as the datastore sees it: every stored health event and every status field the
 * services write back into it (quarantine by fault-quarantine, eviction by node-drainer,
 * remediation by fault-remediation). Read from a change stream of its own, started at "now" and
 * never checkpointed, so it leaves no resume token behind and never holds back other consumers.
 */
import { effectiveRecommendedAction, fromDocument } from '@nvsentinel/health-model';
import type { ChangeEvent, DataStore } from '@nvsentinel/store-client';
import type { ProgressSink } from './progress-line.js';

const CLIENT_NAME = 'local-stack-progress';

export interface DatastoreProgress {
  stop(): Promise<void>;
}

export function followDatastore(datastore: DataStore, sink: ProgressSink): DatastoreProgress {
  const stream = datastore.healthEventStore().watch({ clientName: `${CLIENT_NAME}-${process.pid}`, startAt: 'now' });
  const loop = (async () => {
    try {
      for await (const change of stream) describeChange(change, sink);
    } catch (err) {
      sink({ kind: 'info', subject: 'progress', text: `datastore progress stopped: ${(err as Error).message}` });
    }
  })();
  return {
    async stop() {
      await stream.close();
      await loop;
    },
  };
}

function describeChange(change: ChangeEvent, sink: ProgressSink): void {
  if (!change.fullDocument) return;
  let record;
  try {
    record = fromDocument(change.fullDocument);
  } catch {
    return; // not a health event this reporter understands; the services log their own errors
  }
  const event = record.healthEvent;
  const shortId = record.id.slice(0, 8);
  if (change.operationType === 'insert') {
    const codes = event.errorCode.length ? ` code ${event.errorCode.join(',')}` : '';
    const state = event.isHealthy ? 'healthy' : event.isFatal ? 'FATAL' : 'non-fatal';
    const action = event.isHealthy ? '' : ` → ${effectiveRecommendedAction(event)}`;
    sink({
      kind: 'event',
      subject: event.nodeName,
      text: `${state} ${event.checkName}${codes}${action} from ${event.agent} stored (event ${shortId})`,
    });
    return;
  }
  const updated = change.updateDescription?.updatedFields ?? {};
  const status = record.healthEventStatus;
  if ('healtheventstatus.nodequarantined' in updated) {
    sink({
      kind: 'quarantine',
      subject: event.nodeName,
      text: `event ${shortId}: nodeQuarantined = ${status.nodeQuarantined}`,
    });
  }
  if (Object.keys(updated).some((k) => k.startsWith('healtheventstatus.userpodsevictionstatus'))) {
    const { status: eviction, message } = status.userPodsEvictionStatus;
    sink({
      kind: 'drain',
      subject: event.nodeName,
      text: `event ${shortId}: userPodsEvictionStatus = ${eviction}${message ? ` (${message})` : ''}`,
    });
  }
  if (Object.keys(updated).some((k) => k.startsWith('healtheventstatus.faultremediated'))) {
    sink({
      kind: 'remediation',
      subject: event.nodeName,
      text: `event ${shortId}: faultRemediated = ${String(status.faultRemediated)}`,
    });
  }
}
