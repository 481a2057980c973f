/** Health events as the platform connector would store them, for drainer tests. */
import type { HealthEvent } from '@nvsentinel/health-model';
import { sampleHealthEvent } from '@nvsentinel/health-model/testing';

export function gpuFatalEvent(nodeName: string, overrides: Partial<HealthEvent> = {}): HealthEvent {
  return sampleHealthEvent({ nodeName, ...overrides });
}
