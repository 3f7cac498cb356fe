import { enhance } from './operations/enhance.ts';
import { generate, generateImages } from './operations/generate.ts';
import { cancelJob, enhanceJob, generateJob, job, jobs } from './operations/jobs.ts';
import { models } from './operations/models.ts';
import { status } from './operations/status.ts';
import { usage } from './operations/usage.ts';
import { createCallerFactory, createTRPCRouter } from './procedures.ts';

export const appRouter = createTRPCRouter({ generate, generateImages, generateJob, enhance, enhanceJob, job, jobs, cancelJob, status, usage, models });

export type AppRouter = typeof appRouter;

export const createCaller = createCallerFactory(appRouter);
export type AppCaller = ReturnType<typeof createCaller>;
