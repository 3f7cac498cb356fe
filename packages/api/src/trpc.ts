import type { AIPhotoError, Caller, CoreServices, QuotaSnapshot } from '@aiphoto/core';
import { initTRPC } from '@trpc/server';
import type { OpenApiMeta } from 'trpc-to-openapi';
import { toAIPhotoError, toTrpcError } from './errors.ts';

/**
 * What the server learnt about the request before any procedure ran. `quota` is mutable:
 * procedures update it so the rate-limit headers sent afterwards reflect their work.
 */
export interface RequestState {
  caller: Caller;
  /** Set when the Authorization header was present but not acceptable. */
  authError: AIPhotoError | undefined;
  quota: QuotaSnapshot;
}

/** The inner context: no request or response, so tests can call procedures directly. */
export interface Context {
  services: CoreServices;
  request: RequestState;
  signal: AbortSignal;
  /** The absolute URL of a stored image, on AIPHOTO_PUBLIC_URL or the address the caller used. */
  imageUrl: (fileName: string) => string;
}

export const createInnerContext = (context: Context): Context => context;

const t = initTRPC
  .context<Context>()
  .meta<OpenApiMeta>()
  .create({
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

/** Callers whose Authorization header was refused stop here, before validation (401 before 400). */
const identified = t.middleware(({ ctx, next }) => {
  if (ctx.request.authError) throw ctx.request.authError;
  return next({ ctx: { caller: ctx.request.caller } });
});

/**
 * The typed client sends uploads as FormData; the input schema describes a plain object
 * (which is also what the REST route passes), so FormData is unpacked before validation.
 */
const formDataInput = t.middleware(({ getRawInput, next }) =>
  next({
    getRawInput: async () => {
      const raw = await getRawInput();
      return raw instanceof FormData ? Object.fromEntries(raw.entries()) : raw;
    },
  }),
);

export const publicProcedure = t.procedure.use(domainErrors);
export const callerProcedure = publicProcedure.use(identified);
export const uploadProcedure = callerProcedure.use(formDataInput);
