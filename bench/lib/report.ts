/**
 * The one way a benchmark reports: its figures as `bench/results/<name>.json` and a bar chart
 * as `bench/results/<name>.png` (an SVG drawn here, rendered by Debian's chromium through
 * playwright-core, headless). Bars with a target show it as a dashed line.
 *
 * The JSON carries the figures, the chart's bars, the time and the machine's load average, so
 * a reader can tell a figure taken on a busy machine from a quiet one.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { loadavg } from 'node:os';
import { join } from 'node:path';

export interface BenchBar {
  label: string;
  value: number;
  target?: number;
}

export interface BenchChart {
  title: string;
  unit: string;
  bars: BenchBar[];
}

export const RESULTS_DIR = join(__dirname, '..', 'results');
const CHROMIUM = process.env.PHOENIX_BENCH_CHROMIUM ?? '/usr/bin/chromium';

/** Writes `<name>.json` and `<name>.png` under bench/results/; returns their paths. */
export async function writeBenchReport(
  name: string,
  figures: Record<string, unknown>,
  chart: BenchChart,
): Promise<{ json: string; png: string }> {
  if (!/^[A-Za-z0-9._-]+$/.test(name)) throw new Error(`bench report name '${name}' must be a plain file name`);
  await mkdir(RESULTS_DIR, { recursive: true });
  const json = join(RESULTS_DIR, `${name}.json`);
  const png = join(RESULTS_DIR, `${name}.png`);
  const record = { name, at: new Date().toISOString(), loadAverage: loadavg().map((l) => Number(l.toFixed(2))), figures, chart };
  await writeFile(json, `${JSON.stringify(record, null, 2)}\n`);
  await renderPng(chartSvg(chart), png);
  return { json, png };
}

const WIDTH = 800;
const BAR_HEIGHT = 28;
const GAP = 12;
const LEFT = 240;
const RIGHT = 90;
const TOP = 56;

function escapeXml(text: string): string {
  return text.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function formatValue(value: number): string {
  return Math.abs(value) >= 100 ? value.toFixed(0) : Math.abs(value) >= 10 ? value.toFixed(1) : value.toFixed(2);
}

/** A horizontal bar chart: one bar per figure, its target as a dashed red mark. */
export function chartSvg(chart: BenchChart): string {
  const max = Math.max(1e-9, ...chart.bars.flatMap((b) => [b.value, b.target ?? 0]));
  const plot = WIDTH - LEFT - RIGHT;
  const height = TOP + chart.bars.length * (BAR_HEIGHT + GAP) + 30;
  const x = (v: number) => LEFT + (Math.max(0, v) / max) * plot;
  const rows = chart.bars.map((bar, i) => {
    const y = TOP + i * (BAR_HEIGHT + GAP);
    const over = bar.target !== undefined && bar.value > bar.target;
    const parts = [
      `<text x="${LEFT - 8}" y="${y + BAR_HEIGHT / 2 + 5}" text-anchor="end">${escapeXml(bar.label)}</text>`,
      `<rect x="${LEFT}" y="${y}" width="${x(bar.value) - LEFT}" height="${BAR_HEIGHT}" fill="${over ? '#d9822b' : '#3a7bd5'}"/>`,
      `<text x="${x(bar.value) + 6}" y="${y + BAR_HEIGHT / 2 + 5}">${escapeXml(formatValue(bar.value))}</text>`,
    ];
    if (bar.target !== undefined) {
      parts.push(`<line x1="${x(bar.target)}" x2="${x(bar.target)}" y1="${y - 4}" y2="${y + BAR_HEIGHT + 4}" stroke="#c0392b" stroke-width="2" stroke-dasharray="4 3"/>`);
    }
    return parts.join('');
  });
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" font-family="sans-serif" font-size="13">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="${WIDTH / 2}" y="24" text-anchor="middle" font-size="16" font-weight="bold">${escapeXml(chart.title)}</text>`,
    `<text x="${WIDTH / 2}" y="44" text-anchor="middle" fill="#555">${escapeXml(chart.unit)}; dashed red: target</text>`,
    ...rows,
    '</svg>',
  ].join('\n');
}

async function renderPng(svg: string, path: string): Promise<void> {
  // Loaded here: only a benchmark's last step needs a browser.
  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true });
  try {
    const page = await browser.newPage({ viewport: { width: WIDTH, height: 100 } });
    await page.setContent(`<html><body style="margin:0">${svg}</body></html>`);
    await page.locator('svg').screenshot({ path });
  } finally {
    await browser.close();
  }
}
