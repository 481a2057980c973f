import { badRequest } from '../errors.js';

export type Query = Record<string, string | string[] | undefined>;

export function queryString(query: Query, name: string): string | undefined {
  const value = query[name];
  return Array.isArray(value) ? value[value.length - 1] : value;
}

export function queryBoolean(query: Query, name: string): boolean {
  const value = queryString(query, name);
  return value === 'true' || value === '1';
}

export function queryInteger(query: Query, name: string): number | undefined {
  const value = queryString(query, name);
  if (value === undefined || value === '') return undefined;
  if (!/^-?\d+$/.test(value)) throw badRequest(`query parameter ${name} must be an integer, got "${value}"`);
  return Number(value);
}

/** `dryRun=All` is the only value the real API accepts; anything else is a 400 there too. */
export function queryDryRun(query: Query): boolean {
  const value = queryString(query, 'dryRun');
  if (value === undefined || value === '') return false;
  if (value !== 'All') throw badRequest(`unsupported dryRun value "${value}": the only supported value is "All"`);
  return true;
}
