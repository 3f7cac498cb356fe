// Test helpers for the web app's end-to-end tests; not part of the service.
export { launchBrowser } from './browser.ts';
export { startTestServer, rateLimitOf, type TestServer } from './harness.ts';
