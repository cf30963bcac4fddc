import { Ajv, type Options } from 'ajv';
import addFormatsModule from 'ajv-formats';
import type { FastifyInstance } from 'fastify';

const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;

function compiler(options: Options): Ajv {
  return addFormats(new Ajv({ allErrors: false, useDefaults: true, removeAdditional: false, ...options }));
}

/**
 * JSON bodies are validated exactly as sent: `{"name": 5}` is not a string, and unknown fields are
 * refused where a schema says so. Query strings, params and headers are text, so they are coerced.
 */
export function installValidators(app: FastifyInstance): void {
  const strict = compiler({ coerceTypes: false });
  const coercing = compiler({ coerceTypes: 'array' });
  app.setValidatorCompiler(({ schema, httpPart }) =>
    httpPart === 'body' ? strict.compile(schema) : coercing.compile(schema),
  );
}
