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
  const server = await buildServer(config);
  const stop = async (signal: string) => {
    server.app.log.info({ signal }, 'received signal');
    await server.shutdown();
    process.exit(0);
  };
  process.once('SIGTERM', () => void stop('SIGTERM'));
  process.once('SIGINT', () => void stop('SIGINT'));
  await server.listen();
}

await main();
