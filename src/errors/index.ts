export { AppError } from './app-error.ts';
export { ERROR_CATALOGUE, type ErrorCode } from './catalogue.ts';
