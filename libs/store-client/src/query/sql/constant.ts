import { isPlainObject } from './encode.js';

/**
 * The value of an expression that does not depend on the document (literals and arithmetic on
 * them), computed at compile time so SQL can compare natively; undefined when not constant.
 */
export function constantOf(expr: unknown): { value: unknown } | undefined {
  if (typeof expr === 'number' || typeof expr === 'boolean' || expr instanceof Date) return { value: expr };
  if (typeof expr === 'string') return expr.startsWith('$') ? undefined : { value: expr };
  if (!isPlainObject(expr) || Object.keys(expr).length !== 1) return undefined;
  const [op] = Object.keys(expr);
  const arg = expr[op];
  if (op === '$literal')
    return typeof arg === 'number' || typeof arg === 'string' || arg instanceof Date ? { value: arg } : undefined;
  if (!['$add', '$subtract'].includes(op) || !Array.isArray(arg) || arg.length !== 2) return undefined;
  const [x, y] = arg.map((e) => constantOf(e)?.value);
  const ms = (v: unknown) =>
    v instanceof Date ? v.getTime() : typeof v === 'number' && Number.isFinite(v) ? v : undefined;
  const [mx, my] = [ms(x), ms(y)];
  if (mx === undefined || my === undefined) return undefined;
  const dates = [x, y].filter((v) => v instanceof Date).length;
  if (op === '$add') return dates === 2 ? undefined : dates === 1 ? { value: new Date(mx + my) } : { value: mx + my };
  if (x instanceof Date) return { value: y instanceof Date ? mx - my : new Date(mx - my) };
  return y instanceof Date ? undefined : { value: mx - my };
}
