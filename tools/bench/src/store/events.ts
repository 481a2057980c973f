/** Health events shaped like a GPU monitor's, for load generation. */
import type { NewHealthEvent } from '@nvsentinel/store-client';
import { sampleHealthEvent } from '@nvsentinel/health-model';

export function benchEvent(nodeName: string, message: string): NewHealthEvent {
  return {
    healthEvent: sampleHealthEvent({
      nodeName,
      message,
      entitiesImpacted: [{ entityType: 'GPU', entityValue: '3' }],
      metadata: { providerID: 'aws:///us-east-1a/i-0123456789' },
    }),
  };
}
