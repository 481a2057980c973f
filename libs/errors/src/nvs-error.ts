/**
 * The one error base of NVSentinel. Every package's catalogue (service-kit's, the datastore's,
 * the Kubernetes client's, the health model's, each app's) extends {@link NvsError}, so
 * `err instanceof NvsError` finds them all and logs, HTTP bodies and alerts read the same four
 * things from any of them: a stable `code`, a message naming the problem and the fix, whether
 * retrying may help, and the `cause`. Codes are stable API: never reuse or rename one, and list
 * every new one in docs/errors.md (a test checks the list against the catalogues).
 */

/** What a catalogue fixes per error (class) rather than per throw. */
export interface NvsErrorOptions {
  /** Whether retrying the failed operation unchanged may succeed (network blip, timeout). Default false. */
  retryable?: boolean;
  /**
   * HTTP status for this error: the one to answer with at an HTTP boundary (catalogue classes,
   * default 500), or the one a remote server answered (Kubernetes errors). Undefined when neither applies.
   */
  status?: number;
  /** `error.name`; defaults to the code so logs show the code even without custom serializers. */
  name?: string;
  /** What the user should do about it, when the message itself does not already say so. */
  fix?: string;
}

export class NvsError extends Error {
  readonly code: string;
  readonly retryable: boolean;
  readonly statusCode: number | undefined;
  readonly fix: string | undefined;

  constructor(code: string, message: string, options: NvsErrorOptions = {}, errorOptions?: ErrorOptions) {
    super(message, errorOptions);
    this.code = code;
    this.retryable = options.retryable ?? false;
    this.statusCode = options.status;
    this.fix = options.fix;
    this.name = options.name ?? code;
  }

  /** `{ name, code, message, retryable, fix? }` plus the cause, for JSON logs and HTTP bodies. */
  toJSON(): Record<string, unknown> {
    const json: Record<string, unknown> = {
      name: this.name,
      code: this.code,
      message: this.message,
      retryable: this.retryable,
    };
    if (this.fix !== undefined) json.fix = this.fix;
    if (this.cause !== undefined) {
      json.cause = this.cause instanceof Error ? { name: this.cause.name, message: this.cause.message } : this.cause;
    }
    return json;
  }
}

/** True for any catalogue error, optionally only for the given code. */
export function isNvsError(error: unknown, code?: string): error is NvsError {
  return error instanceof NvsError && (code === undefined || error.code === code);
}
