import type { ErrorCode } from '@aiphoto/core';
import { initTRPC } from '@trpc/server';
import type { OpenApiMeta } from 'trpc-to-openapi';
import type { Context } from './context.ts';
import { toAIPhotoError, toTrpcError } from './errors.ts';

/** trpc-to-openapi's meta, plus the error codes an operation can answer with (for its OpenAPI entry). */
export type OperationMeta = OpenApiMeta & { errors?: readonly ErrorCode[] };

const t = initTRPC
  .context<Context>()
  .meta<OperationMeta>()
  .create({
    // Not development mode whatever NODE_ENV says: tRPC would read (and source-map) the stack
    // of every error for a field the formatter then drops.
    isDev: false,
    errorFormatter({ shape, error }) {
      const domain = toAIPhotoError(error);
      return {
        ...shape,
        message: domain.message,
        data: { ...shape.data, error: domain.code, stack: undefined },
      };
    },
  });

export const createTRPCRouter = t.router;
export const createCallerFactory = t.createCallerFactory;

/** Every failure leaves a procedure as a TRPCError carrying the domain error and its status. */
const domainErrors = t.middleware(async ({ next }) => {
  const result = await next();
  if (!result.ok) throw toTrpcError(result.error);
  return result;
});

/**
 * The typed client sends uploads as FormData; the input schema describes a plain object
 * (which is also what the REST route passes), so FormData is unpacked before validation.
 */
export const unpackFormData = (raw: unknown) => (raw instanceof FormData ? Object.fromEntries(raw.entries()) : raw);

const formDataInput = t.middleware(({ getRawInput, next }) => next({ getRawInput: async () => unpackFormData(await getRawInput()) }));

/**
 * What each of the middlewares above does to a call's input when the procedure is called
 * directly (direct-caller.ts): domainErrors nothing (a direct caller hands domain errors to
 * the responder as they are), formDataInput unpacks FormData.
 */
export const DIRECT_INPUT_STEPS = new Map<unknown, (raw: unknown) => unknown>([
  [domainErrors._middlewares[0], (raw) => raw],
  [formDataInput._middlewares[0], unpackFormData],
]);

/** Callers were identified (and refused keys turned away) at the edge, before the body was read. */
export const procedure = t.procedure.use(domainErrors);
export const uploadProcedure = procedure.use(formDataInput);

/** Codes every operation can answer with, whatever its input. */
export const COMMON_ERRORS = ['unauthorized', 'server_error', 'service_unavailable'] as const satisfies readonly ErrorCode[];
