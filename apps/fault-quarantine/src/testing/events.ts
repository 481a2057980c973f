/** Health events for tests, with upstream-like defaults (a fatal XID 79 on GPU 0). */
import { type HealthEvent, RecommendedAction } from '@nvsentinel/health-model';
import { sampleHealthEvent } from '@nvsentinel/health-model/testing';

export function fatalGpuEvent(nodeName: string, overrides: Partial<HealthEvent> = {}): HealthEvent {
  return sampleHealthEvent({ nodeName, recommendedAction: RecommendedAction.RESTART_VM, ...overrides });
}

/** The recovery for `fault`: same check and entities, healthy, no error codes. */
export function healthyEventFor(fault: HealthEvent, overrides: Partial<HealthEvent> = {}): HealthEvent {
  return {
    ...fault,
    isFatal: false,
    isHealthy: true,
    message: 'No health failures',
    errorCode: [],
    recommendedAction: RecommendedAction.NONE,
    ...overrides,
  };
}
