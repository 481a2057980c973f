/**
 * The error base lives in the dependency-free @nvsentinel/errors so every library's catalogue
 * can extend it; service-kit re-exports it because apps declare their catalogues through here.
 */
export {
  NvsError,
  isNvsError,
  createErrorClass,
  type CatalogueError,
  type ErrorClassOptions,
  type NvsErrorClass,
  type NvsErrorOptions,
  type TemplateArgs,
} from '@nvsentinel/errors';
