/**
 * Polls until `probe` returns a value other than undefined/false. The bound is generous so a
 * loaded machine cannot fail a test that would pass (change streams on a shared PostgreSQL server
 * stall while any database holds a long transaction: the xid horizon is server-wide); it is not a
 * speed assertion.
 */
export async function waitFor<T>(what: string, probe: () => T | undefined | false | Promise<T | undefined | false>, limitMs = 60_000): Promise<T> {
  const deadline = Date.now() + limitMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined && value !== false) return value;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
