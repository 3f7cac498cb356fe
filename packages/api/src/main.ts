import { ConfigError, loadConfig } from '@aiphoto/core';
import { buildServer } from './server.ts';

/** The one place the server reads the environment. */
async function main() {
  let config;
  try {
    config = loadConfig(process.env, { cwd: process.env.INIT_CWD ?? process.cwd() });
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message);
      process.exit(1);
    }
    throw error;
  }
  let server;
  try {
    server = await buildServer(config);
  } catch (error) {
    exitWith(dataDirectoryProblem(error, config.dataDir) ?? error);
  }
  const stop = async (signal: string) => {
    server.app.log.info({ signal }, 'received signal');
    await server.shutdown();
    process.exit(0);
  };
  process.once('SIGTERM', () => void stop('SIGTERM'));
  process.once('SIGINT', () => void stop('SIGINT'));
  try {
    await server.listen();
  } catch (error) {
    const { code } = error as { code?: string };
    if (code === 'EADDRINUSE') exitWith(`Port ${config.port} on ${config.host} is already in use: stop what is using it, or set PORT to another port (PORT=${config.port + 1} pnpm start).`);
    if (code === 'EACCES') exitWith(`This user may not listen on port ${config.port}: set PORT to a port above 1023 (PORT=3000 pnpm start).`);
    if (code === 'EADDRNOTAVAIL') exitWith(`This machine has no address ${config.host}: set HOST to one of its addresses, or 127.0.0.1.`);
    throw error;
  }
}

/** What a person can act on, in one sentence, instead of a stack trace. */
function dataDirectoryProblem(error: unknown, dataDir: string): string | undefined {
  const { code, path } = error as { code?: string; path?: string };
  if (!path?.startsWith(dataDir) && path !== dataDir) return undefined;
  const why: Record<string, string> = {
    EACCES: 'this user may not write there',
    EPERM: 'this user may not write there',
    EROFS: 'it is on a read-only file system',
    ENOTDIR: 'part of that path is a file, not a directory',
    EEXIST: 'part of that path is a file, not a directory',
    ENOSPC: 'the disk is full',
  };
  return why[code ?? ''] && `Cannot use the data directory ${dataDir}: ${why[code!]}. Set AIPHOTO_DATA_DIR to a directory this user can write.`;
}

function exitWith(problem: unknown): never {
  if (typeof problem !== 'string') throw problem;
  console.error(problem);
  process.exit(1);
}

await main();
