import { ServerError } from '@aiphoto/core';
import type { inferProcedureInput, inferProcedureOutput } from '@trpc/server';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Context } from './context.ts';
import { DIRECT_INPUT_STEPS } from './procedures.ts';
import { appRouter, type AppRouter } from './router.ts';

/**
 * The router's procedures called by the Fastify routes that serve the hot REST paths (and
 * GET /trpc/status): each call runs the procedure's own input schema, resolver and output
 * schema, in tRPC's order, and nothing else. tRPC's caller copies its whole options object
 * twice at every middleware level, which costs more here (~30 µs a call on the benchmark
 * machine) than the rest of a status answer or a refusal. Failures leave as the domain
 * errors (or ZodError) they are, for the responder to answer like any other.
 */

type Procedures = AppRouter['_def']['procedures'];
export type DirectCaller = { [Name in keyof Procedures]: (input: inferProcedureInput<Procedures[Name]>) => Promise<inferProcedureOutput<Procedures[Name]>> };

interface Schema {
  parseAsync(value: unknown): Promise<unknown>;
}

interface ProcedureDefinition {
  type: 'query' | 'mutation' | 'subscription';
  meta?: unknown;
  inputs: Schema[];
  output?: Schema;
  middlewares: { _type?: string }[];
  resolver: (options: { ctx: Context; input: unknown; type: string; path: string; meta: unknown; signal: undefined; getRawInput: () => Promise<unknown> }) => Promise<unknown>;
}

const OUTPUT_INVALID = 'The service produced an answer outside its own contract; this is a bug, and the operator has been told.';

/**
 * One procedure, checked once: a middleware this file does not know how to stand in for
 * would be skipped without a word, so the server refuses to start instead.
 */
export function directProcedure(path: string, procedure: unknown) {
  const definition = (procedure as { _def: ProcedureDefinition })._def;
  const { inputs, output, resolver, type, meta } = definition;
  const steps: ((raw: unknown) => unknown)[] = [];
  for (const middleware of definition.middlewares.slice(0, -1)) {
    if (middleware._type === 'input' || middleware._type === 'output') continue;
    const step = DIRECT_INPUT_STEPS.get(middleware);
    if (!step) throw new Error(`The procedure ${path} has a middleware the direct caller does not run; add it to DIRECT_INPUT_STEPS.`);
    steps.push(step);
  }
  if (inputs.length > 1 || ![...inputs, ...(output ? [output] : [])].every((schema) => typeof schema.parseAsync === 'function')) {
    throw new Error(`The procedure ${path} has schemas the direct caller cannot run.`);
  }
  const [inputSchema] = inputs;
  return async (ctx: Context, raw: unknown): Promise<unknown> => {
    let input = raw;
    for (const step of steps) input = step(input);
    if (inputSchema) input = await inputSchema.parseAsync(input);
    const data = await resolver({ ctx, input, type, path, meta, signal: undefined, getRawInput: async () => raw });
    if (!output) return data;
    try {
      return await output.parseAsync(data);
    } catch (cause) {
      throw new ServerError(OUTPUT_INVALID, { cause });
    }
  };
}

const CONTEXT = Symbol('context');

/** One prototype for all callers; each request's caller is an object holding only its context. */
const callerPrototype = Object.fromEntries(
  Object.entries(appRouter._def.procedures).map(([path, procedure]) => {
    const run = directProcedure(path, procedure);
    return [path, function (this: { [CONTEXT]: Context }, input: unknown) { return run(this[CONTEXT], input); }];
  }),
);

export function createDirectCaller(ctx: Context): DirectCaller {
  const caller = Object.create(callerPrototype) as DirectCaller & { [CONTEXT]: Context };
  caller[CONTEXT] = ctx;
  return caller;
}

/** How a route reaches the procedures for one request. */
export type CallFor = (request: FastifyRequest, reply: FastifyReply) => DirectCaller;
