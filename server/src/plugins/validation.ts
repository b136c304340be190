import type { FastifySchemaValidationError, FastifyServerOptions } from 'fastify'
import AjvCompiler from '@fastify/ajv-compiler'

type ValidatorFactory = NonNullable<NonNullable<FastifyServerOptions['schemaController']>['compilersFactory']>['buildValidator']

/** An Ajv validate function as Fastify calls it (root coercion needs `schemaEnv` and the parent). */
interface AjvValidate {
  (data: unknown, context?: object): unknown
  errors?: FastifySchemaValidationError[] | null
  schemaEnv?: unknown
}

/** The instance path of the first number in `data` that is not finite or beyond ±2^53, or null. */
function nonFinitePath(data: unknown, path: string): string | null {
  if (typeof data === 'number')
    return Math.abs(data) <= Number.MAX_SAFE_INTEGER ? null : path
  if (data && typeof data === 'object') {
    for (const [key, value] of Object.entries(data)) {
      const found = nonFinitePath(value, `${path}/${key}`)
      if (found !== null)
        return found
    }
  }
  return null
}

/**
 * Fastify's own Ajv compiler, plus one rule: every number must be finite and within ±2^53 after
 * validation (beyond that integers are inexact and SQLite refuses to bind them).
 * Ajv coerces the query string `limit=Infinity` or `1e309` to Infinity and then skips
 * minimum/maximum for non-finite numbers (even with strictNumbers), so bounds in the shared
 * schemas alone let it through to SQLite as a 500. JSON bodies reach Infinity via `1e309` too.
 */
export function finiteNumbersValidatorFactory(): ValidatorFactory {
  const build = AjvCompiler()
  const factory = (externalSchemas: Parameters<typeof build>[0], options: Parameters<typeof build>[1]) => {
    // The package's typings describe Ajv.compile; at runtime it takes Fastify's route definition.
    const compile = build(externalSchemas, options) as unknown as (route: unknown) => AjvValidate
    return (route: unknown) => {
      const validate = compile(route)
      const finite: AjvValidate = (data, context) => {
        if (!validate(data, context)) {
          finite.errors = validate.errors
          return false
        }
        const path = nonFinitePath(data, '')
        if (path === null)
          return true
        finite.errors = [{ keyword: 'type', instancePath: path, schemaPath: '#', params: {}, message: `must be a finite number within ±${Number.MAX_SAFE_INTEGER}` }]
        return false
      }
      finite.schemaEnv = validate.schemaEnv
      return finite
    }
  }
  // Fastify's ValidatorFactory type is the same package's union with the JTD serializer factory.
  return factory as unknown as ValidatorFactory
}
