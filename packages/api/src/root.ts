import { accountRouter } from './router/account.ts';
import { catalogRouter } from './router/catalog.ts';
import { imagesRouter } from './router/images.ts';
import { createCallerFactory, createTRPCRouter } from './trpc.ts';

export const appRouter = createTRPCRouter({
  ...imagesRouter,
  ...accountRouter,
  ...catalogRouter,
});

export type AppRouter = typeof appRouter;

export const createCaller = createCallerFactory(appRouter);
