export type { AppRouter } from './router.ts';
export type { EnhanceResponse } from './operations/enhance.ts';
export type { JobBody } from './operations/jobs.ts';
export type { GenerateResponse } from './operations/generate.ts';
export { appRouter, createCaller } from './router.ts';
export { buildServer, type AIPhotoServer, type ServerOptions } from './server.ts';
