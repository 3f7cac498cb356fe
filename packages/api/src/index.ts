export type { AppRouter } from './root.ts';
export { appRouter, createCaller } from './root.ts';
export { buildServer, type AIPhotoServer, type ServerOptions } from './server.ts';
