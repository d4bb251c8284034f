// The report page in a real headless Chromium (Debian's /usr/bin/chromium, driven by
// playwright-core): it loads with no console or page errors and no requests, draws the lanes and
// slices, shows tooltips, switches steps, zooms, and its screenshot is not blank.
// Skipped when Chromium or playwright-core is not installed. TL_REPORT_SCREENSHOT=file.png
// keeps the screenshot.
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { report } from '../../lib/report';
import { EVIL, mlpRuns, pageData, renamed } from './helpers';

const CHROMIUM = '/usr/bin/chromium';
const load = createRequire(__filename);
const playwright = (() => { try { return load('playwright-core') as typeof import('playwright-core'); } catch { return undefined; } })();

describe.skipIf(!existsSync(CHROMIUM) || !playwright)('report page in headless Chromium', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tl-report-browser-'));
  let browser: Browser;
  let context: BrowserContext;

  beforeAll(async () => {
    browser = await playwright!.chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
        '--disable-component-update', '--disable-sync'],
      timeout: 30_000,
    });
    context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  }, 40_000);
  afterAll(async () => {
    await browser?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Opens a page on the file and records console errors, page errors and any request. */
  async function open(file: string): Promise<{ page: Page; errors: string[]; requests: string[] }> {
    const page = await context.newPage();
    const errors: string[] = [], requests: string[] = [];
    const url = pathToFileURL(file).href;
    page.on('console', (m) => { if (m.type() === 'error' || m.type() === 'warning') errors.push(`console.${m.type()}: ${m.text()}`); });
    page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
    page.on('request', (r) => { if (r.url() !== url) requests.push(r.url()); });
    await page.goto(url, { waitUntil: 'load' });
    return { page, errors, requests };
  }

  it('loads without errors, draws lanes, slices, memory; tooltips, steps and zoom work; not blank', async () => {
    const { metas, nodes } = mlpRuns(3);
    const file = join(dir, 'profile.html');
    const html = report(metas, { path: file, title: 'MLP profile' });
    const data = pageData(html);
    const { page, errors, requests } = await open(file);

    // Lanes and one slice per node of the last step.
    const last = data.steps[data.steps.length - 1];
    await page.waitForSelector('svg.tl rect.slice');
    expect(await page.locator('svg.tl g.lane').count()).toBe(last.lanes.length);
    expect(await page.locator('svg.tl rect.slice').count()).toBe(nodes.length);
    expect(await page.getAttribute('svg.tl', 'aria-label')).toBe('timeline of step 3');
    const widths = await page.$$eval('svg.tl rect.slice', (rs) => rs.map((r) => (r as SVGRectElement).getBBox().width));
    expect(widths.every((w) => w >= 1)).toBe(true);
    expect(await page.locator('svg.tl .lane-label').first().textContent()).toMatch(/tensorloom executor/);
    expect(await page.locator('#mem path.area').count()).toBe(1);
    expect(await page.locator('#mem-note').textContent()).toMatch(/Live output bytes .* peak [\d.]+ (B|KiB|MiB)/);
    // The static sections.
    // One bar per op type of the run (the MLP's dense layers run fused: _FusedMatMul).
    const types = new Set(metas[0].stepStats.devStats[0].nodeStats.map((n) => n.timelineLabel.split(' = ')[1].split('(')[0]));
    expect(types.has('_FusedMatMul')).toBe(true);
    expect(await page.locator('#op-types svg.bars g.bar').count()).toBe(types.size);
    expect(await page.locator('#top-nodes tbody tr').count()).toBe(nodes.length);

    // Tooltip of the widest slice: node, op type, duration, output shapes.
    const widest = widths.indexOf(Math.max(...widths));
    const i = Number(await page.locator('svg.tl rect.slice').nth(widest).getAttribute('data-i'));
    await page.locator('svg.tl rect.slice').nth(widest).hover();
    const tip = page.locator('#tip');
    await expect.poll(() => tip.isVisible()).toBe(true);
    const text = (await tip.innerText()).replace(/\s+/g, ' ');
    expect(text).toContain(data.strings[last.s[i * 6 + 3]]);
    expect(text).toContain(`op ${data.strings[last.s[i * 6 + 4]]}`);
    expect(text).toMatch(/duration [\d.]+ (ns|µs|ms)/);
    expect(text).toMatch(/outputs float32\[\d+,\d+\]/);

    // Hovering the memory chart reports live bytes.
    const mem = await page.locator('#mem svg.memchart').boundingBox();
    await page.mouse.move(mem!.x + mem!.width * 0.5, mem!.y + mem!.height * 0.6);
    await expect.poll(async () => (await tip.innerText()).replace(/\s+/g, ' ')).toMatch(/at \+.* cpu [\d.]+ (B|KiB|MiB)/);

    // Zoom in with the wheel over the timeline: the slices get wider; double-click resets.
    const box = await page.locator('#tl').boundingBox();
    await page.mouse.move(box!.x + 215 + (box!.width - 215) * 0.5, box!.y + 30);
    await page.mouse.wheel(0, -600);
    await expect.poll(async () => Math.max(0, ...await page.$$eval('svg.tl rect.slice', (rs) =>
      rs.map((r) => (r as SVGRectElement).getBBox().width)))).toBeGreaterThan(Math.max(...widths) * 1.5);
    await page.mouse.dblclick(box!.x + 400, box!.y + 30);
    expect(await page.locator('svg.tl rect.slice').count()).toBe(nodes.length);

    // Step selector.
    await page.selectOption('#step', '0');
    expect(await page.getAttribute('svg.tl', 'aria-label')).toBe('timeline of step 1');
    expect(await page.locator('svg.tl rect.slice').count()).toBe(nodes.length);
    await page.selectOption('#step', '2');
    await page.mouse.move(0, 0);

    // A screenshot that is not blank: many colors, a good share of non-background pixels.
    const png = await page.screenshot({ fullPage: true });
    if (process.env.TL_REPORT_SCREENSHOT) writeFileSync(process.env.TL_REPORT_SCREENSHOT, png);
    expect(png.length).toBeGreaterThan(20_000);
    const probe = await context.newPage();
    const stats = await probe.evaluate(async (b64) => {
      const img = new Image();
      img.src = `data:image/png;base64,${b64}`;
      await img.decode();
      const c = document.createElement('canvas');
      c.width = img.width; c.height = img.height;
      const g = c.getContext('2d')!;
      g.drawImage(img, 0, 0);
      const px = g.getImageData(0, 0, c.width, c.height).data;
      const colors = new Set<number>();
      let ink = 0;
      for (let k = 0; k < px.length; k += 4) {
        colors.add((px[k] << 16) | (px[k + 1] << 8) | px[k + 2]);
        if (px[k] + px[k + 1] + px[k + 2] < 720) ink++;
      }
      return { w: c.width, h: c.height, colors: colors.size, ink: ink / (px.length / 4) };
    }, png.toString('base64'));
    await probe.close();
    expect(stats.w).toBe(1280);
    expect(stats.h).toBeGreaterThan(600);
    expect(stats.colors).toBeGreaterThan(100);
    expect(stats.ink).toBeGreaterThan(0.05);

    expect(errors).toEqual([]);
    expect(requests).toEqual([]);
    await page.close();
  }, 30_000);

  it('a node named like markup shows as text and runs nothing', async () => {
    const { metas } = mlpRuns(2);
    const file = join(dir, 'evil.html');
    const data = pageData(report(renamed(metas, 'dense1/Relu', EVIL), { path: file }));
    const { page, errors, requests } = await open(file);
    await page.waitForSelector('svg.tl rect.slice');
    expect(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
    expect(await page.locator('img').count()).toBe(0);
    expect(await page.locator('#top-nodes td.name', { hasText: 'alert' }).textContent()).toBe(EVIL);
    const last = data.steps[data.steps.length - 1];
    const k = (last.s.findIndex((v, j) => j % 6 === 3 && data.strings[v] === EVIL) - 3) / 6;
    await page.locator(`svg.tl rect.slice[data-i="${k}"]`).hover();
    await expect.poll(() => page.locator('#tip b').textContent()).toBe(EVIL);
    expect(errors).toEqual([]);
    expect(requests).toEqual([]);
    await page.close();
  }, 20_000);
});
