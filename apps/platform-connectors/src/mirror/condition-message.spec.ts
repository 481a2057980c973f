import { assertValidHealthEvent, type HealthEvent } from '@nvsentinel/health-model';
import { describe, expect, it } from 'vitest';
import { eventJson } from '../testing/events.js';
import {
  applyEvents,
  compactEntry,
  cutBytes,
  eventMessage,
  messageEntry,
  parseEntries,
  renderMessage,
} from './condition-message.js';

const event = (overrides: Record<string, unknown>): HealthEvent => assertValidHealthEvent(eventJson(overrides));

describe('node condition message format', () => {
  it('writes codes, entities, the message (; → .) and the action like upstream', () => {
    const e = event({
      errorCode: ['79', 'X'],
      entitiesImpacted: [
        { entityType: 'GPU', entityValue: '1' },
        { entityType: 'PCI', entityValue: '0002:00:00.0' },
      ],
      message: 'fell off; bus',
      recommendedAction: 'RESTART_BM',
    });
    expect(messageEntry(e)).toBe(
      'ErrorCode:79 ErrorCode:X GPU:1 PCI:0002:00:00.0 fell off. bus Recommended Action=RESTART_BM',
    );
    expect(eventMessage(e)).toBe(`${messageEntry(e)};`);
    expect(messageEntry(event({ errorCode: [], entitiesImpacted: [], message: '', recommendedAction: 'NONE' }))).toBe(
      'Recommended Action=NONE',
    );
  });

  it('adds a fault once, clears by entity, clears all on a recovery without entities', () => {
    const gpu0 = event({ entitiesImpacted: [{ entityType: 'GPU', entityValue: '0' }], message: 'a' });
    const gpu1 = event({ entitiesImpacted: [{ entityType: 'GPU', entityValue: '1' }], message: 'b' });
    let entries = applyEvents([], [gpu0, gpu1, gpu0]);
    expect(entries).toHaveLength(2);
    entries = applyEvents(entries, [
      event({ isHealthy: true, isFatal: false, entitiesImpacted: [{ entityType: 'GPU', entityValue: '0' }] }),
    ]);
    expect(entries).toEqual([messageEntry(gpu1)]);
    expect(applyEvents(entries, [event({ isHealthy: true, isFatal: false, entitiesImpacted: [] })])).toEqual([]);
  });

  it('round-trips through the stored message', () => {
    const entries = ['ErrorCode:1 GPU:0 x Recommended Action=NONE', 'GPU:1 y Recommended Action=NONE'];
    const { message, truncated } = renderMessage(entries);
    expect(truncated).toBe(false);
    expect(message).toBe(`${entries.join(';')};`);
    expect(parseEntries(message)).toEqual(entries);
    expect(parseEntries('No Health Failures')).toEqual([]);
  });

  it('caps at 1024 bytes: drops identity duplicates, compacts free text, cuts with ...', () => {
    const long = 'x'.repeat(300);
    const entries = Array.from({ length: 8 }, (_, i) => `ErrorCode:79 GPU:${i} ${long} Recommended Action=RESTART_BM`);
    const { message, truncated } = renderMessage(entries);
    expect(Buffer.byteLength(message)).toBeLessThanOrEqual(1024);
    expect(truncated).toBe(false);
    // Every GPU stays identifiable (recovery matching needs it) because the text was compacted.
    for (let i = 0; i < 8; i++) expect(message).toContain(`GPU:${i} `);
    expect(message).toContain('... Recommended Action=RESTART_BM');

    const many = Array.from({ length: 40 }, (_, i) => `ErrorCode:79 GPU:${i} ${long} Recommended Action=RESTART_BM`);
    const capped = renderMessage(many);
    expect(capped.truncated).toBe(true);
    expect(capped.message.endsWith(';...')).toBe(true);
    expect(Buffer.byteLength(capped.message)).toBeLessThanOrEqual(1024);

    const dup = renderMessage([
      `ErrorCode:79 GPU:1 first ${long} Recommended Action=NONE`,
      ...Array.from({ length: 3 }, () => `ErrorCode:79 GPU:2 ${long} Recommended Action=NONE`),
      `ErrorCode:79 GPU:1 second ${long} Recommended Action=NONE`,
    ]);
    expect(parseEntries(dup.message).filter((e) => e.includes('GPU:1 '))).toHaveLength(1);
    expect(dup.message).toContain('GPU:1 second');
  });

  it('never splits a multi-byte character', () => {
    expect(cutBytes('ééé', 3)).toBe('é');
    expect(compactEntry(`GPU:0 ${'é'.repeat(100)} Recommended Action=NONE`, 10)).toBe(
      'GPU:0 éé... Recommended Action=NONE',
    );
  });
});
