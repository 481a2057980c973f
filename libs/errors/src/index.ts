export { NvsError, isNvsError, type NvsErrorOptions } from './nvs-error.js';
export {
  createErrorClass,
  type CatalogueError,
  type ErrorClassOptions,
  type NvsErrorClass,
  type TemplateArgs,
} from './create-error-class.js';
export { closestMatch, editDistance, type ClosestMatchOptions } from './did-you-mean.js';
