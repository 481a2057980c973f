/**
 * Catalogue helper in the spirit of `@fastify/error`: every error a package can raise is declared
 * once, with a stable `code` callers (and alerts) can match on, and a message template whose `%s`
 * placeholders are filled from the constructor arguments.
 *
 * ```ts
 * export const StoreUnavailable = createErrorClass(
 *   'NVS_ERR_STORE_UNAVAILABLE', 'Datastore %s is unreachable; check DATASTORE_HOST', { retryable: true });
 * throw new StoreUnavailable('postgres:5432', { cause: err });
 * ```
 */
import { format } from 'node:util';
import { NvsError } from './nvs-error.js';

/** Options fixed per error class. */
export interface ErrorClassOptions {
  /** Whether retrying the failed operation may succeed (network blip, timeout). Default false. */
  retryable?: boolean;
  /** HTTP status to answer with when this error reaches an HTTP boundary. Default 500. */
  status?: number;
  /** `error.name`; defaults to the code so logs show the code even without custom serializers. */
  name?: string;
}

/** One argument per `%s` in the template, e.g. `'a %s b %s'` → `[unknown, unknown]`. */
export type TemplateArgs<Template extends string> = Template extends `${string}%s${infer Rest}`
  ? [unknown, ...TemplateArgs<Rest>]
  : [];

/** An error of a class made by {@link createErrorClass}: the HTTP status is always set. */
export interface CatalogueError extends NvsError {
  readonly statusCode: number;
}

/** A class produced by {@link createErrorClass}. */
export interface NvsErrorClass<Template extends string> {
  new (...args: [...TemplateArgs<Template>] | [...TemplateArgs<Template>, ErrorOptions]): CatalogueError;
  readonly code: string;
  readonly retryable: boolean;
  readonly status: number;
  /** True for errors of this class, also across duplicate copies of the package (matches by code). */
  is(error: unknown): error is CatalogueError;
}

const CODE = /^[A-Z][A-Z0-9_]*$/;

/**
 * Declares one catalogue entry. The returned class formats `template` with its arguments
 * (`util.format` semantics for `%s`) and accepts an optional trailing `{ cause }`.
 */
export function createErrorClass<const Template extends string>(
  code: string,
  template: Template,
  options: ErrorClassOptions = {},
): NvsErrorClass<Template> {
  if (!CODE.test(code)) {
    throw new TypeError(`Error code '${code}' must be UPPER_SNAKE_CASE, e.g. NVS_ERR_CONFIG_INVALID`);
  }
  const placeholderCount = template.split('%s').length - 1;
  const status = options.status ?? 500;

  class Entry extends NvsError {
    static readonly code = code;
    static readonly retryable = options.retryable ?? false;
    static readonly status = status;

    static is(error: unknown): error is CatalogueError {
      return error instanceof NvsError && error.code === code;
    }

    constructor(...args: unknown[]) {
      // A trailing plain `{ cause }` object is ErrorOptions only when it is beyond the placeholders,
      // so a template argument that happens to be an object is never swallowed.
      const last = args.length > placeholderCount ? args[args.length - 1] : undefined;
      const errorOptions = isErrorOptions(last) ? last : undefined;
      const formatArgs = errorOptions ? args.slice(0, -1) : args;
      const message = placeholderCount > 0 ? format(template, ...formatArgs) : template;
      super(code, message, { ...options, status }, errorOptions);
    }
  }
  Object.defineProperty(Entry, 'name', { value: options.name ?? code });
  return Entry as unknown as NvsErrorClass<Template>;
}

function isErrorOptions(value: unknown): value is ErrorOptions {
  return typeof value === 'object' && value !== null && 'cause' in value && Object.keys(value).length === 1;
}
