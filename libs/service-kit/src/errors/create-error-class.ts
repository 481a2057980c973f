/**
 * Error catalogue helper in the spirit of `@fastify/error`: every error a library can raise is
 * declared once, with a stable `code` that callers (and alerts) can match on, and a message
 * template whose `%s` placeholders are filled from the constructor arguments.
 *
 * ```ts
 * export const StoreUnavailable = createErrorClass(
 *   'NVS_ERR_STORE_UNAVAILABLE', 'Datastore %s is unreachable; check DATASTORE_HOST', { retryable: true });
 * throw new StoreUnavailable('postgres:5432', { cause: err });
 * ```
 */
import { format } from 'node:util';

/** Options fixed per error class. */
export interface ErrorClassOptions {
  /** Whether retrying the failed operation may succeed (network blip, timeout). Default false. */
  retryable?: boolean;
  /** HTTP status to answer with when this error reaches an HTTP boundary. Default 500. */
  status?: number;
  /** `error.name`; defaults to the code so logs show the code even without custom serializers. */
  name?: string;
}

/** Base class of every catalogue error, so `err instanceof NvsError` finds them all. */
export class NvsError extends Error {
  readonly code: string;
  readonly retryable: boolean;
  readonly statusCode: number;

  constructor(code: string, message: string, options: ErrorClassOptions, errorOptions?: ErrorOptions) {
    super(message, errorOptions);
    this.code = code;
    this.retryable = options.retryable ?? false;
    this.statusCode = options.status ?? 500;
    this.name = options.name ?? code;
  }

  /** `{ code, message, retryable }` plus the cause chain, for JSON logs and HTTP bodies. */
  toJSON(): Record<string, unknown> {
    const json: Record<string, unknown> = {
      name: this.name,
      code: this.code,
      message: this.message,
      retryable: this.retryable,
    };
    if (this.cause !== undefined) {
      json.cause = this.cause instanceof Error ? { name: this.cause.name, message: this.cause.message } : this.cause;
    }
    return json;
  }
}

/** One argument per `%s` in the template, e.g. `'a %s b %s'` → `[unknown, unknown]`. */
export type TemplateArgs<Template extends string> = Template extends `${string}%s${infer Rest}`
  ? [unknown, ...TemplateArgs<Rest>]
  : [];

/** A class produced by {@link createErrorClass}. */
export interface NvsErrorClass<Template extends string> {
  new (...args: [...TemplateArgs<Template>] | [...TemplateArgs<Template>, ErrorOptions]): NvsError;
  readonly code: string;
  readonly retryable: boolean;
  readonly status: number;
  /** True for errors of this class, also across duplicate copies of the package (matches by code). */
  is(error: unknown): error is NvsError;
}

/**
 * Declares one catalogue entry. The returned class formats `template` with its arguments
 * (`util.format` semantics for `%s`) and accepts an optional trailing `{ cause }`.
 */
export function createErrorClass<const Template extends string>(
  code: string,
  template: Template,
  options: ErrorClassOptions = {},
): NvsErrorClass<Template> {
  if (!/^[A-Z][A-Z0-9_]*$/.test(code)) {
    throw new TypeError(`Error code '${code}' must be UPPER_SNAKE_CASE, e.g. NVS_ERR_CONFIG_INVALID`);
  }
  const placeholderCount = template.split('%s').length - 1;

  class CatalogueError extends NvsError {
    static readonly code = code;
    static readonly retryable = options.retryable ?? false;
    static readonly status = options.status ?? 500;

    static is(error: unknown): error is NvsError {
      return error instanceof NvsError && error.code === code;
    }

    constructor(...args: unknown[]) {
      // A trailing plain `{ cause }` object is ErrorOptions only when it is beyond the placeholders,
      // so a template argument that happens to be an object is never swallowed.
      const last = args.length > placeholderCount ? args[args.length - 1] : undefined;
      const errorOptions = isErrorOptions(last) ? last : undefined;
      const formatArgs = errorOptions ? args.slice(0, -1) : args;
      super(code, placeholderCount > 0 ? format(template, ...formatArgs) : template, options, errorOptions);
    }
  }
  Object.defineProperty(CatalogueError, 'name', { value: options.name ?? code });
  return CatalogueError as unknown as NvsErrorClass<Template>;
}

function isErrorOptions(value: unknown): value is ErrorOptions {
  return typeof value === 'object' && value !== null && 'cause' in value && Object.keys(value).length === 1;
}
