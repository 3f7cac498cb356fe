import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { launchBrowser, startTestServer, type TestServer } from '@aiphoto/api/testing';

const screenshots = path.resolve(import.meta.dirname, '../test-output');

/**
 * The built page (apps/web/dist, served by the real server on port 0) in Debian's Chromium:
 * what a person does, and what they see.
 */
describe('the web page in Chromium', () => {
  let browser: BrowserContext;
  // Each test opens its own server (a new origin, so new localStorage) and page.
  let t: TestServer;
  let page: Page;
  let requested: string[];
  let consoleErrors: string[];
  /** Where the page was opened: the server answers on localhost and 127.0.0.1 alike. */
  let origin: string;
  /** The window the next page opens in: a laptop unless a test block says a phone. */
  let width = 1280;
  const shot = (name: string, target: Page = page) =>
    target.screenshot({ path: path.join(screenshots, `${name}${width === 1280 ? '' : `-${width}px`}.png`), fullPage: true });
  const usage = () => page.getByTestId('usage').textContent();

  beforeAll(async () => {
    expect(fs.existsSync(path.resolve(import.meta.dirname, '../dist/index.html')), 'run `pnpm build` first').toBe(true);
    fs.mkdirSync(screenshots, { recursive: true });
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
  });

  async function open(env: Record<string, string> = {}, address: 'localhost' | '127.0.0.1' = 'localhost') {
    t = await startTestServer({ env });
    origin = t.baseUrl.replace('localhost', address);
    requested = [];
    consoleErrors = [];
    page = await browser.newPage();
    page.on('request', (request) => requested.push(request.url()));
    page.on('console', (message) => {
      if (message.type() === 'error') consoleErrors.push(message.text());
    });
    await page.setViewportSize({ width, height: width > 500 ? 900 : 812 });
    await page.goto(origin);
    await expect.poll(usage).toBe('0');
  }

  afterEach(async () => {
    await page?.close();
    await t?.close();
    // Every page, in every test, keeps to its Content-Security-Policy and to this server.
    expect(consoleErrors.filter((text) => /Content Security Policy/i.test(text))).toEqual([]);
    const foreign = requested.filter((url) => !url.startsWith(origin) && !url.startsWith('blob:') && !url.startsWith('data:'));
    expect(foreign).toEqual([]);
  });

  async function generate(prompt: string) {
    await page.getByLabel('Prompt', { exact: true }).fill(prompt);
    await page.getByRole('button', { name: 'Generate' }).click();
  }

  async function useKey(name: string) {
    const { stdout } = await t.cli('keys', 'create', '--name', name);
    await page.getByRole('textbox', { name: 'API key', exact: true }).fill(stdout.trim());
    await page.getByRole('button', { name: 'Use key' }).click();
    await expect.poll(() => page.locator('.plan').textContent()).toBe('Pro');
    return stdout.trim();
  }

  it('loads with a title, a favicon and an empty quota meter', async () => {
    await open();
    expect(await page.title()).toBe('AIPhoto — generate and enhance images');
    expect(await page.locator('link[rel="icon"]').getAttribute('href')).toBe('/favicon.svg');
    expect(await page.getByTestId('limit').textContent()).toBe('5');
    await expect.poll(() => page.locator('#model option').count()).toBe(5);
    expect(await page.locator('#model option').first().textContent()).toContain('(offline)');
    expect(await page.getByText('This model is served by the offline placeholder renderer').count()).toBe(1);
  });

  it('generates: the image loads at its real ratio and the meter goes from 0 to 1', async () => {
    await open();
    await page.getByLabel('Aspect ratio').selectOption('16:9');
    const box = page.locator('figure.result');
    const before = await box.boundingBox();
    await generate('A serene mountain lake at golden hour');
    const image = page.getByTestId('generated-image');
    await image.waitFor();
    await expect
      .poll(() => image.evaluate((img: HTMLImageElement) => (img.complete ? [img.naturalWidth, img.naturalHeight] : [])))
      .toEqual([1344, 768]);
    await expect.poll(usage).toBe('1');
    expect(await page.getByTestId('remaining').textContent()).toBe('4 left');
    // The box was already shaped for 16:9, so nothing below it moved when the image arrived.
    const after = await box.boundingBox();
    expect(after!.height).toBeCloseTo(before!.height, 0);
    expect(after!.width / after!.height).toBeCloseTo(1344 / 768, 1);
    expect(await page.locator('.gallery li').count()).toBe(1);
    await shot('1-generated');
  });

  it("offers an operator catalog's models in the picker", async () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'aiphoto-catalog-')), 'models.yaml');
    // The address is never called: the picker only lists what the catalog serves.
    fs.writeFileSync(file, 'models:\n  - id: house-sdxl\n    name: House SDXL\n    candidates:\n      - { provider: openai-compatible, base_url: "http://127.0.0.1:9/v1", model: sdxl }\n');
    await open({ AIPHOTO_MODELS_FILE: file });
    await expect.poll(() => page.locator('#model option').allTextContents()).toContain('House SDXL');
    expect(await page.locator('#model option[value="house-sdxl"]').count()).toBe(1);
  });

  it('shows generated images when opened at 127.0.0.1, within its CSP (image URLs follow the address)', async () => {
    await open({}, '127.0.0.1');
    await generate('a lighthouse seen from the numeric address');
    const image = page.getByTestId('generated-image');
    await image.waitFor();
    expect(await image.getAttribute('src')).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/images\//);
    await expect.poll(() => image.evaluate((img: HTMLImageElement) => (img.complete ? img.naturalWidth : 0))).toBe(1024);
  });

  it('enforces the 400-character limit as you type', async () => {
    await open();
    await page.getByLabel('Prompt', { exact: true }).fill('x'.repeat(450));
    expect((await page.getByLabel('Prompt', { exact: true }).inputValue()).length).toBe(400);
    expect(await page.locator('#prompt-count').textContent()).toBe('400 / 400');
  });

  it('is usable from the keyboard, with a visible focus ring', async () => {
    await open();
    await page.getByLabel('Prompt', { exact: true }).focus();
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('model');
    const outline = await page.evaluate(() => getComputedStyle(document.activeElement!).outlineStyle);
    expect(outline).not.toBe('none');
  });

  it('turns Generate off once the free images are used up, saying when they come back and that a key lifts the limit', async () => {
    await open({ AIPHOTO_FREE_DAILY_LIMIT: '2' });
    for (let i = 1; i <= 2; i++) {
      await generate(`picture number ${i}`);
      await expect.poll(usage).toBe(String(i));
    }
    await page.getByLabel('Prompt', { exact: true }).fill('one too many');
    const button = page.getByRole('button', { name: 'Generate', exact: true });
    await expect.poll(() => button.isDisabled()).toBe(true);
    expect(await page.locator('#quota-out').textContent()).toMatch(/^No images left today \(2 on the free plan\)\. More at \d\d:\d\d( [AP]M)? your time; an API key lifts the free limit/);
    // The result of the last attempt stays on screen.
    expect(await page.getByTestId('generated-image').count()).toBe(1);
    await shot('2-rate-limited');
  });

  it('switches to the pro plan with an API key, and "Clear key" forgets it', async () => {
    await open();
    const key = await useKey('browser');
    await expect.poll(() => page.getByTestId('limit').textContent()).toBe('1000');
    expect(await page.evaluate(() => Object.values({ ...localStorage }))).toContain(key);
    await generate('now on the pro plan');
    await expect.poll(usage).toBe('1');
    await shot('3-pro-plan');
    await page.getByRole('button', { name: 'Clear key' }).click();
    await expect.poll(() => page.getByTestId('limit').textContent()).toBe('5');
    // The key is gone from the browser's storage, not just from the screen.
    expect(JSON.stringify(await page.evaluate(() => ({ ...localStorage })))).not.toContain(key.slice(4));
    await page.reload();
    await expect.poll(() => page.getByTestId('limit').textContent()).toBe('5');
  });

  it('enhances an uploaded photo with the chosen strength and shows both sizes', async () => {
    await open();
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'aiphoto-e2e-')), 'photo.png');
    const astronaut = path.resolve(import.meta.dirname, '../../../bench/photos/astronaut.png');
    await sharp(astronaut).extract({ left: 150, top: 40, width: 64, height: 48 }).png().toFile(file);
    await page.setInputFiles('#enhance-file', file);
    await page.locator('#strength').fill('8');
    const answered = page.waitForResponse((response) => response.url().endsWith('/api/enhance'), { timeout: 60_000 });
    await page.getByRole('button', { name: 'Enhance', exact: true }).click();
    // Submitted as a job: 202 and the job to watch.
    const submitted = await answered;
    expect(submitted.status()).toBe(202);
    const { id } = await submitted.json();
    const sizes = page.getByTestId('enhance-sizes');
    await sizes.waitFor({ timeout: 60_000 });
    expect(await sizes.textContent()).toBe('64x48 → 256x192');
    await expect.poll(usage).toBe('1');
    // The slider's value is what the server was asked for, and what it did.
    expect(await (await t.fetch(`/api/jobs/${id}`)).json()).toMatchObject({ status: 'succeeded', result: { strength: 8 } });
    await shot('4-enhanced');
  });

  async function choosePhoto(width: number, height: number) {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'aiphoto-e2e-')), 'photo.png');
    const astronaut = path.resolve(import.meta.dirname, '../../../bench/photos/astronaut.png');
    await sharp(astronaut).extract({ left: 100, top: 20, width, height }).png().toFile(file);
    await page.setInputFiles('#enhance-file', file);
  }

  // Small tiles: a photo of a few hundred pixels takes many tiles, seconds of work to watch.
  const TILED = { AIPHOTO_ENHANCE_TILE: '64' };

  it('shows an enhancement\'s real progress, elapsed time and an estimate, and Cancel stops it', async () => {
    await open(TILED);
    await choosePhoto(256, 256);
    await page.getByRole('button', { name: 'Enhance', exact: true }).click();
    const progress = page.getByTestId('job-progress');
    await progress.waitFor({ timeout: 30_000 });
    await expect.poll(() => page.getByTestId('job-stage').textContent(), { timeout: 30_000 }).toBe('Upscaling…');
    await expect.poll(() => page.getByTestId('job-times').textContent(), { timeout: 30_000 }).toMatch(/^([1-9]\d?)% · \d+s · about \d+s left$/);
    expect(Number(await progress.locator('progress').getAttribute('value'))).toBeGreaterThan(0);
    await shot('6-enhance-progress');
    await progress.getByRole('button', { name: 'Cancel' }).click();
    const alert = page.getByRole('alert');
    await alert.waitFor();
    expect(await alert.textContent()).toBe('Canceled; the work had begun, so the unit was used.');
    await progress.waitFor({ state: 'detached' });
    expect(await page.getByTestId('enhance-sizes').count()).toBe(0);
    expect((await (await t.fetch('/api/jobs')).json()).jobs[0]).toMatchObject({ status: 'canceled', refunded: false });
  });

  it('picks a running job up again after a reload, and shows its result when it ends', async () => {
    await open(TILED);
    await choosePhoto(200, 160);
    await page.getByRole('button', { name: 'Enhance', exact: true }).click();
    await page.getByTestId('job-progress').waitFor({ timeout: 30_000 });
    await page.reload();
    await expect.poll(usage).toBe('1');
    const sizes = page.getByTestId('enhance-sizes');
    await sizes.waitFor({ timeout: 60_000 });
    expect(await sizes.textContent()).toBe('200x160 → 800x640');
    await expect.poll(() => page.locator('img.enhanced').evaluate((img: HTMLImageElement) => (img.complete ? img.naturalWidth : 0))).toBe(800);
    expect(await page.locator('.gallery li').count()).toBe(1);
    // Watched until it ended, then forgotten: another reload shows no progress.
    expect(await page.evaluate(() => localStorage.getItem('aiphoto.jobs.v1'))).toBe('[]');
  });

  it('records in the gallery the prompt that was sent, not what the box says later', async () => {
    await open();
    await generate('the prompt that was sent');
    await page.getByLabel('Prompt', { exact: true }).fill('edited while it ran');
    await page.getByTestId('generated-image').waitFor();
    expect(await page.getByTestId('generated-image').getAttribute('alt')).toBe('Generated: the prompt that was sent');
    expect(await page.locator('.gallery li').first().textContent()).toContain('the prompt that was sent');
  });

  it('shows a past result large, then deletes it from the gallery', async () => {
    await open();
    await generate('a picture for the gallery');
    await page.getByTestId('generated-image').waitFor();
    await page.locator('.gallery .thumb').first().click();
    const viewer = page.locator('dialog.viewer');
    await viewer.waitFor();
    expect(await viewer.locator('img').evaluate((img: HTMLImageElement) => img.naturalWidth)).toBe(1024);
    await viewer.getByRole('button', { name: 'Close' }).click();
    await viewer.waitFor({ state: 'detached' });
    expect(await page.locator('.gallery li').count()).toBe(1);
    await page.getByRole('button', { name: /^Delete/ }).first().click();
    expect(await page.locator('.gallery li').count()).toBe(0);
  });

  it('fits a 375 px wide phone', async () => {
    await open();
    await page.setViewportSize({ width: 375, height: 812 });
    await page.getByLabel('Prompt', { exact: true }).fill('a phone-sized lighthouse');
    await page.getByRole('button', { name: 'Generate' }).click();
    await page.getByTestId('generated-image').waitFor();
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(375);
    await shot('5-phone');
  });
  it('on a laptop, puts the prompt and its result side by side and brings the result into view', async () => {
    await open();
    await page.setViewportSize({ width: 1280, height: 800 });
    const prompt = await page.getByLabel('Prompt', { exact: true }).boundingBox();
    const result = await page.locator('figure.result').boundingBox();
    expect(result!.x).toBeGreaterThan(prompt!.x + prompt!.width);
    await page.mouse.wheel(0, 2000);
    await generate('a result that must be seen');
    await page.getByTestId('generated-image').waitFor();
    await expect
      .poll(async () => {
        const box = await page.locator('figure.result').boundingBox();
        return box !== null && box.y >= 0 && box.y + box.height <= 800;
      })
      .toBe(true);
    await expect.poll(async () => (await page.getByRole('link', { name: 'Download' }).first().boundingBox())!.y < 800).toBe(true);
    await shot('7-desktop-side-by-side');
  });

  // Every control of the page, on a laptop and on a 375 px phone.
  for (const viewport of [1280, 375]) {
    describe(`at ${viewport} px`, () => {
      beforeEach(() => {
        width = viewport;
      });
      afterEach(() => {
        width = 1280;
      });

    it('checks an API key when it is entered: a pasted "Bearer aip_…" works, a wrong one is refused and not kept, a revoked one says so', async () => {
      await open();
      const { stdout } = await t.cli('keys', 'create', '--name', 'pasted');
      const key = stdout.trim();
      const field = page.getByRole('textbox', { name: 'API key', exact: true });
      await field.fill('aip_thisKeyWasNeverIssued0123456789abcdefghijk');
      await page.getByRole('button', { name: 'Use key' }).click();
      await expect.poll(() => page.locator('.key [role="alert"]').textContent()).toMatch(/^This key was not accepted: The API key is not valid/);
      expect(JSON.stringify(await page.evaluate(() => ({ ...localStorage })))).not.toContain('thisKeyWasNeverIssued');
      expect(await page.locator('.plan').textContent()).toBe('Free');
      await shot('8-key-refused');

      await field.fill(`Bearer ${key}`);
      await page.getByRole('button', { name: 'Use key' }).click();
      await expect.poll(() => page.getByTestId('key-state').textContent()).toMatch(/Pro plan, 1000 images a day$/);
      expect(await page.evaluate(() => localStorage.getItem('aiphoto.apiKey'))).toBe(key);

      const [{ id }] = JSON.parse((await t.cli('keys', 'list', '--json')).stdout);
      await t.cli('keys', 'revoke', id);
      await page.reload();
      await expect.poll(() => page.locator('.key [role="alert"]').textContent()).toContain('no longer accepted');
      expect(await page.locator('.meter').textContent()).toBe('API key not accepted');
      await shot('9-key-revoked');
    });

    it('sends a seed, a negative prompt and several images, shows the seed, and Ctrl+Enter generates', async () => {
      await open({ AIPHOTO_OPENAI_MAX_N: '3' });
      await expect.poll(() => page.locator('#count option').count()).toBe(3);
      await page.locator('details.more summary').click();
      await page.getByRole('button', { name: 'Pick a random seed' }).click();
      expect(await page.getByLabel('Seed', { exact: true }).inputValue()).toMatch(/^\d+$/);
      await page.getByLabel('Seed', { exact: true }).fill('1234');
      await page.getByLabel('Negative prompt').fill('fog');
      await page.getByLabel('Images', { exact: true }).selectOption('2');
      await page.getByLabel('Prompt', { exact: true }).fill('two lighthouses with a fixed seed');
      const submitted = page.waitForRequest((request) => request.url().includes('/trpc/generateJob'));
      await page.getByLabel('Prompt', { exact: true }).press('Control+Enter');
      expect(JSON.parse((await submitted).postData()!)['0']).toMatchObject({ prompt: 'two lighthouses with a fixed seed', seed: 1234, negative_prompt: 'fog', n: 2 });
      await page.getByTestId('generated-image').waitFor();
      await expect.poll(() => page.getByTestId('result-details').textContent()).toMatch(/seed 1234 · 1 more in Your images$/);
      expect(await page.locator('.gallery li').count()).toBe(2);
      await expect.poll(usage).toBe('2');
    });

    it('shows each image large with what made it, steps through them, closes by Escape or the backdrop, and re-runs its settings', async () => {
      await open();
      await page.locator('details.more summary').click();
      await page.getByLabel('Seed', { exact: true }).fill('77');
      await generate('the first picture');
      await expect.poll(usage).toBe('1');
      await page.getByLabel('Seed', { exact: true }).fill('');
      await generate('the second picture');
      await expect.poll(usage).toBe('2');
      await page.locator('.gallery .thumb').nth(1).click();
      const viewer = page.locator('dialog.viewer');
      await viewer.waitFor();
      const details = () => viewer.locator('.details').textContent();
      expect(await details()).toMatch(/Promptthe first picture.*Modelflux-pro.*StylePhotorealistic.*Ratio1:1.*Size1024×1024.*Seed77.*Provideroffline renderer/);
      expect(await viewer.getByText('2 of 2').count()).toBe(1);
      await page.keyboard.press('ArrowRight');
      await expect.poll(details).toContain('the second picture');
      await viewer.getByRole('button', { name: 'Previous image' }).click();
      await expect.poll(details).toContain('the first picture');
      await shot('10-viewer');
      await page.keyboard.press('Escape');
      await viewer.waitFor({ state: 'detached' });

      await page.locator('.gallery .thumb').first().click();
      await viewer.waitFor();
      await page.mouse.click(5, 5);
      await viewer.waitFor({ state: 'detached' });

      await page.locator('.gallery .thumb').nth(1).click();
      await viewer.getByRole('button', { name: 'Use these settings' }).click();
      await viewer.waitFor({ state: 'detached' });
      expect(await page.getByLabel('Prompt', { exact: true }).inputValue()).toBe('the first picture');
      expect(await page.getByLabel('Seed', { exact: true }).inputValue()).toBe('77');
    });

    it('deletes from the list with Undo, saying honestly that the server keeps the image until its retention', async () => {
      await open();
      await generate('a picture to delete');
      await page.getByTestId('generated-image').waitFor();
      await page.getByRole('button', { name: 'Delete a picture to delete' }).click();
      expect(await page.locator('.gallery li').count()).toBe(0);
      const notice = page.locator('.notice');
      expect(await notice.textContent()).toContain('The image itself stays on the server until it is deleted 30 days after it was made');
      await notice.getByRole('button', { name: 'Undo' }).click();
      expect(await page.locator('.gallery li').count()).toBe(1);
      await page.reload();
      await expect.poll(() => page.locator('.gallery li').count()).toBe(1);
    });

    it('keeps the last result when the next attempt fails, and names the content-filter category', async () => {
      await open();
      await generate('a quiet harbour');
      await page.getByTestId('generated-image').waitFor();
      await generate('a decapitated soldier');
      await expect.poll(() => page.locator('.generate [role="alert"]').textContent()).toBe('That prompt was blocked by the content filter (graphic violence). Try describing something else.');
      expect(await page.getByTestId('generated-image').getAttribute('alt')).toBe('Generated: a quiet harbour');
    });

    it('puts the API key field before the gallery in the tab order', async () => {
      await open();
      for (let i = 0; i < 3; i++) {
        await generate(`gallery picture ${i}`);
        await expect.poll(usage).toBe(String(i + 1));
      }
      const order = await page.evaluate(() => {
        const key = document.getElementById('api-key')!;
        const thumb = document.querySelector('.gallery .thumb')!;
        return key.compareDocumentPosition(thumb) & Node.DOCUMENT_POSITION_FOLLOWING;
      });
      expect(order).toBeTruthy();
    });

    it('previews the chosen photo with the size it will become, warns before uploading when it is over the limits, and names sizes for a file too large', async () => {
      await open({ AIPHOTO_MAX_OUTPUT_PIXELS: '20000', AIPHOTO_MAX_UPLOAD_BYTES: '20000' });
      await choosePhoto(64, 48);
      await expect.poll(() => page.getByTestId('enhance-target').textContent()).toBe('64×48 → 256×192 at 4×');
      expect(await page.getByTestId('enhance-too-big').textContent()).toBe('At 4× the result would be 256×192 (49,152 pixels); the limit is 20,000 pixels. Choose a smaller scale.');
      expect(await page.getByRole('button', { name: 'Enhance', exact: true }).isDisabled()).toBe(true);
      await page.getByLabel('Scale').selectOption('2');
      await expect.poll(() => page.getByTestId('enhance-too-big').count()).toBe(0);
      expect(await page.getByTestId('enhance-target').textContent()).toBe('64×48 → 128×96 at 2×');
      await shot('11-enhance-preview');

      const big = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'aiphoto-e2e-')), 'big.png');
      await sharp({ create: { width: 300, height: 300, channels: 3, background: '#000', noise: { type: 'gaussian', mean: 128, sigma: 60 } } }).png().toFile(big);
      await page.setInputFiles('#enhance-file', big);
      await expect.poll(() => page.locator('[role="alert"]').first().textContent()).toMatch(/^That file is too large to upload\. The file is \d+\.\d MB; the limit is 0\.0 MB\.$/);
    });

    it('compares the enhanced photo at its real pixels (1:1) or fitted, in the chosen format', async () => {
      await open();
      await choosePhoto(64, 48);
      await page.getByLabel('Format').selectOption('webp');
      await page.getByRole('button', { name: 'Enhance', exact: true }).click();
      const sizes = page.getByTestId('enhance-sizes');
      await sizes.waitFor({ timeout: 60_000 });
      expect((await (await t.fetch('/api/jobs')).json()).jobs[0].result).toMatchObject({ format: 'webp' });
      const compare = page.locator('.compare');
      const fitted = (await compare.boundingBox())!.width;
      await page.getByRole('button', { name: '1:1' }).click();
      await expect.poll(async () => (await compare.boundingBox())!.width).toBe(256);
      expect(fitted).not.toBe(256);
      await page.getByRole('button', { name: 'Fit' }).click();
      await expect.poll(async () => (await compare.boundingBox())!.width).toBeCloseTo(fitted, 0);
    });

    });
  }

  it('on a 375 px phone: model labels are not cut, the viewer and the enhance preview fit', async () => {
    await open();
    await page.setViewportSize({ width: 375, height: 812 });
    const cut = await page.locator('#model').evaluate((select: HTMLSelectElement) => {
      const probe = document.createElement('span');
      probe.style.font = getComputedStyle(select).font;
      probe.style.whiteSpace = 'nowrap';
      probe.textContent = select.selectedOptions[0]!.textContent;
      document.body.append(probe);
      const needed = probe.offsetWidth;
      probe.remove();
      return needed > select.clientWidth - 24;
    });
    expect(cut).toBe(false);
    await generate('a phone-sized harbour');
    await page.getByTestId('generated-image').waitFor();
    await page.locator('.gallery .thumb').first().click();
    await page.locator('dialog.viewer').waitFor();
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(375);
    await shot('12-phone-viewer');
    await page.keyboard.press('Escape');
    await choosePhoto(64, 48);
    await page.getByTestId('enhance-target').waitFor();
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(375);
    await shot('13-phone-enhance');
  });
});
