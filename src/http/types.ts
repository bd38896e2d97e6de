import type {
  FastifyBaseLogger,
  FastifyInstance,
  RawReplyDefaultExpression,
  RawRequestDefaultExpression,
  RawServerDefault,
} from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';

/** The Fastify instance every capability's routes.ts registers on. */
export type App = FastifyInstance<
  RawServerDefault,
  RawRequestDefaultExpression,
  RawReplyDefaultExpression,
  FastifyBaseLogger,
  TypeBoxTypeProvider
>;

declare module 'fastify' {
  interface FastifyInstance {
    /** Writes the failed authentications counted so far (authfail.ts) without waiting for their minute to close. */
    flushFailedAuthentications(): Promise<void>;
  }
  interface FastifyContextConfig {
    /** Set from the schema's `security` (authn.ts): an anonymous caller gets 401 before validation. */
    needsCaller?: boolean;
    /** Answers even under overload (shedding.ts): liveness. */
    shedExempt?: boolean;
    /** The route checks the strings of its own JSON body (ingest rows, rejected in the receipt), not input.ts. */
    ownBodyChecks?: boolean;
  }
}
