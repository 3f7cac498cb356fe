// Test helpers for this repository's other packages; not part of the service.
export { FakeProviderServer, fixture, type FakeHandler, type FakeReply, type RecordedRequest } from './fake-provider-server.ts';
export { installProviders, providerEnvironment, providerFixture } from './fake-providers.ts';
export { pngBomb, photoFile, photoCrop, readRepoFile } from './images.ts';
export { TestRedisServer, freePort } from './redis-server.ts';
export { TestS3Server, TEST_BUCKET } from './s3-server.ts';
