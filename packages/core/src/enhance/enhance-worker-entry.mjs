// Worker threads do not inherit the TypeScript loader of whatever started the process
// (tsx for the server, Vite for tests), so the worker registers tsx itself.
import { register } from 'tsx/esm/api';

register();
await import('./enhance-worker.ts');
