// Route schemas compiled on a route's first use instead of when the app starts: Fastify's own
// compilers (ajv for requests, fast-json-stringify for responses) with the same options, each
// route's validator and serializer built the first time it runs. Compiling every route's schemas
// was about a third of the main thread's start, and the first request needs one route's.
// A schema that does not compile then fails that route's first request (500) instead of the start;
// the test suite runs every route.
import ValidatorSelector from '@fastify/ajv-compiler';
import SerializerSelector from '@fastify/fast-json-stringify-compiler';

type Validate = ((this: unknown, data: unknown) => unknown) & { errors?: unknown };
type RouteSchema = Record<string, unknown>;

function lazyValidator(compile: () => Validate): Validate {
  let fn: Validate | undefined;
  const validate: Validate = function (this: unknown, data: unknown) {
    fn ??= compile();
    const result = fn.call(this, data);
    // Fastify reads the errors of a failed validation from the function it was given.
    if (result && typeof (result as Promise<unknown>).then === 'function') {
      return (result as Promise<unknown>).then((value) => {
        validate.errors = fn!.errors;
        return value;
      });
    }
    validate.errors = fn.errors;
    return result;
  };
  return validate;
}

/** Fastify's `schemaController.compilersFactory`, compiling lazily. */
export function lazyCompilersFactory() {
  const validators = ValidatorSelector();
  const serializers = SerializerSelector();
  return {
    buildValidator(externalSchemas: unknown, options: unknown) {
      const compile = validators(externalSchemas as never, options as never) as unknown as (route: RouteSchema) => Validate;
      return (route: RouteSchema) => lazyValidator(() => compile(route));
    },
    buildSerializer(externalSchemas: unknown, options: unknown) {
      const compile = serializers(externalSchemas, options as never) as unknown as (route: RouteSchema) => (doc: unknown) => string;
      return (route: RouteSchema) => {
        let fn: ((doc: unknown) => string) | undefined;
        return (doc: unknown) => (fn ??= compile(route))(doc);
      };
    },
  };
}
