import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** A stand-in for `pnpm build`'s output: an index.html and one hashed asset. */
export function builtApp(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aiphoto-web-'));
  fs.mkdirSync(path.join(dir, 'assets'));
  fs.writeFileSync(path.join(dir, 'index.html'), '<!doctype html><title>AIPhoto</title><div id="root"></div>');
  fs.writeFileSync(path.join(dir, 'assets', 'index-Ab12Cd34.js'), 'console.log(1)');
  return dir;
}
