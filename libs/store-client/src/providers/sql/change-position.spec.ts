import { describe, expect, it } from 'vitest';
import {
  comparePositions,
  decodeResumeToken,
  earliestPosition,
  encodeResumeToken,
  StartSnapshot,
} from './change-position.js';

describe('change positions and resume tokens', () => {
  it('orders by transaction id first, then changelog id, numerically', () => {
    expect(comparePositions({ txid: '9', id: '100' }, { txid: '10', id: '1' })).toBe(-1);
    expect(comparePositions({ txid: '10', id: '2' }, { txid: '10', id: '11' })).toBe(-1);
    expect(comparePositions({ txid: '10', id: '2' }, { txid: '10', id: '2' })).toBe(0);
    expect(earliestPosition([undefined, { txid: '12', id: '1' }, { txid: '11', id: '7' }])).toEqual({
      txid: '11',
      id: '7',
    });
    expect(earliestPosition([])).toBeUndefined();
  });

  it('round-trips tokens and refuses anything else with resume_token', () => {
    const position = { txid: '18446744073709551615', id: '42' };
    expect(decodeResumeToken(encodeResumeToken(position), 'postgresql')).toEqual(position);
    for (const bad of ['', 'abc', '1-', '-1', '1-2-3', 12, null, '1.5-2']) {
      expect(() => decodeResumeToken(bad, 'postgresql')).toThrow(expect.objectContaining({ code: 'resume_token' }));
    }
  });

  it("a 'now' snapshot skips exactly the transactions that had committed above its horizon", () => {
    const snapshot = new StartSnapshot('100', '105', ['100', '103']);
    expect(['99', '100', '101', '102', '103', '104', '105'].map((t) => snapshot.committedBeforeStart(t))).toEqual([
      false, // below the horizon: never read from a 'now' start anyway
      false, // running at start
      true,
      true,
      false, // running at start
      true,
      false, // not yet started at start
    ]);
    expect(snapshot.isBehind('104')).toBe(false);
    expect(snapshot.isBehind('105')).toBe(true);
  });
});
