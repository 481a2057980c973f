import { describe, expect, it } from 'vitest';
import { CreationsFirst } from './creations-first.js';

describe('CreationsFirst', () => {
  it('lets outcome writes through at once when no CR is on its way', async () => {
    await new CreationsFirst(60_000).idle(); // would time the test out if it waited
  });

  it('holds outcome writes until every creation in progress is answered', async () => {
    const gate = new CreationsFirst(60_000);
    const order: string[] = [];
    let answer!: () => void;
    const creation = gate.creating(() =>
      new Promise<void>((resolve) => (answer = resolve)).then(() => order.push('cr')),
    );
    const outcome = gate.idle().then(() => order.push('outcome'));
    await Promise.resolve();
    expect(order).toEqual([]);
    answer();
    await Promise.all([creation, outcome]);
    expect(order).toEqual(['cr', 'outcome']);
  });

  it('never starves an outcome write: a creation that does not finish holds it only up to the bound', async () => {
    const gate = new CreationsFirst(5);
    void gate.creating(() => new Promise(() => undefined));
    await gate.idle();
    expect(await new CreationsFirst(0).idle()).toBeUndefined();
  });
});
