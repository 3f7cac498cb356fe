import fs from 'node:fs';
import path from 'node:path';
import { NotFoundError, type Config } from '@aiphoto/core';
import fastifyStatic from '@fastify/static';
import fp from 'fastify-plugin';

/**
 * The page, its content security policy, and unknown paths: a page URL gets index.html (the
 * app routes on the client), anything else a 404 in its surface's dialect.
 */
export const webApp = fp<{ config: Config; webDir: string }>(async (app, { config, webDir }) => {
  // The page keeps a pro key in localStorage: allow nothing but this server's own scripts,
  // so no injected or third-party script can read it. Images may come from the bucket when
  // AIPHOTO_S3_PUBLIC_MODE=presign redirects there.
  const bucketOrigin =
    config.s3?.publicMode === 'presign' ? new URL(config.s3.endpoint ?? `https://s3.${config.s3.region}.amazonaws.com`).origin : '';
  const pageSecurityHeaders = {
    'content-security-policy': [
      "default-src 'self'",
      "script-src 'self'",
      // React writes a few style attributes (aspect ratios, the comparison slider).
      "style-src 'self' 'unsafe-inline'",
      `img-src 'self' blob: data: ${bucketOrigin}`.trim(),
      "connect-src 'self'",
      "base-uri 'self'",
      "form-action 'self'",
      "frame-ancestors 'none'",
    ].join('; '),
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
  };
  const hasWebApp = fs.existsSync(path.join(webDir, 'index.html'));
  if (hasWebApp) {
    await app.register(fastifyStatic, {
      root: webDir,
      prefix: '/',
      index: ['index.html'],
      // Vite names every asset by its content hash, so those never change; the page itself
      // must be revalidated to pick up a new build.
      setHeaders: (res, filePath) => {
        const isAsset = filePath.includes(`${path.sep}assets${path.sep}`);
        res.header('cache-control', isAsset ? 'public, max-age=31536000, immutable' : 'no-cache');
        if (filePath.endsWith('.html')) res.headers(pageSecurityHeaders);
      },
    });
  }

  app.setNotFoundHandler(async (request, reply) => {
    const url = request.entryPath;
    // The API, tRPC, images, health and missing files (a stale hashed asset) keep their 404.
    const looksLikeFile = /\.[a-z0-9]+$/i.test(url);
    const isPage = request.method === 'GET' && request.surface === 'site' && !looksLikeFile && !url.startsWith('/images/') && url !== '/healthz';
    if (hasWebApp && isPage && request.headers.accept?.includes('text/html')) {
      return reply.header('cache-control', 'no-cache').headers(pageSecurityHeaders).type('text/html; charset=utf-8').sendFile('index.html', webDir);
    }
    throw new NotFoundError(`No such path: ${request.method} ${url}; see /api/docs for the API.`);
  });
});
