/**
 * What ships of the product holds no simulator code: the built dist/, the files `npm pack`
 * takes, and the production image's file selection (reproduced from the Dockerfile: there is no
 * container engine on the build machine). "No simulator code" is checked by content: no shipped
 * file has the bytes of any file of packages/phoenix-sim (its sources, stand-ins, bin and build),
 * and every compiled product file maps back (source maps) to a product source under src/.
 * Runs after `npm run build` (as `npm test` does).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { isUnder } from './package-graph';

const ROOT = resolve(__dirname, '..', '..');
const SIM = join(ROOT, 'packages', 'phoenix-sim');
/** Files this small (empty files, a bare `{}`) say nothing about where they came from. */
const MIN_TELLING_BYTES = 64;

function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  if (!statSync(dir).isDirectory()) return [dir];
  return readdirSync(dir).sort().flatMap((name) => (name === 'node_modules' ? [] : filesUnder(join(dir, name))));
}

const sha = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');

/** Content hash -> simulator file, for every telling file of the simulator package. */
function simulatorFiles(): Map<string, string> {
  assert.ok(existsSync(join(SIM, 'dist', 'index.js')), 'the simulator is built (npm run build)');
  const byHash = new Map<string, string>();
  for (const f of filesUnder(SIM)) if (statSync(f).size >= MIN_TELLING_BYTES) byHash.set(sha(f), relative(ROOT, f));
  return byHash;
}

function simulatorCodeIn(files: string[], sim: Map<string, string>): string[] {
  return files.flatMap((f) => {
    const hit = statSync(f).size >= MIN_TELLING_BYTES ? sim.get(sha(f)) : undefined;
    return hit ? [`${relative(ROOT, f)} is ${hit}`] : [];
  });
}

/** Sources named by a file's source map (a .map beside it, or an inline one), relative to ROOT. */
function mappedSources(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const inline = /\/\/# sourceMappingURL=data:application\/json;(?:charset=utf-8;)?base64,([A-Za-z0-9+/=]+)\s*$/.exec(text);
  const map = inline ? Buffer.from(inline[1]!, 'base64').toString('utf8') : existsSync(`${file}.map`) ? readFileSync(`${file}.map`, 'utf8') : undefined;
  if (!map) return [];
  const { sources } = JSON.parse(map) as { sources: string[] };
  return sources.map((s) => (s.startsWith('webpack://') ? s.replace(/^webpack:\/\/[^/]*\//, '') : relative(ROOT, resolve(dirname(file), s))));
}

function assertProductDist(dist: string, sim: Map<string, string>): void {
  const files = filesUnder(dist);
  assert.ok(files.some((f) => f.endsWith('worker.js')) && files.some((f) => f.endsWith('workflows.bundle.js')), `${dist} is built`);
  assert.deepEqual(simulatorCodeIn(files, sim), []);
  const foreign = files
    .filter((f) => f.endsWith('.js'))
    .flatMap((f) => mappedSources(f).filter((s) => !isUnder(join(ROOT, s), join(ROOT, 'src')) && !isUnder(join(ROOT, s), join(ROOT, 'dist')) && !s.includes('node_modules/')).map((s) => `${relative(ROOT, f)} <- ${s}`));
  assert.deepEqual(foreign, []);
}

test('the built product dist/ holds product code only', { timeout: 60_000 }, () => {
  assertProductDist(join(ROOT, 'dist'), simulatorFiles());
  assert.equal(existsSync(join(ROOT, 'dist', 'sim')), false);
});

test('npm pack of the product takes no simulator file', { timeout: 120_000 }, () => {
  const out = execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  const [pack] = JSON.parse(out) as Array<{ name: string; files: Array<{ path: string }> }>;
  assert.equal(pack!.name, 'phoenix');
  const paths = pack!.files.map((f) => f.path);
  assert.ok(paths.includes('dist/worker.js') && paths.includes('bin/phoenix-worker.js'));
  assert.deepEqual(paths.filter((p) => p.startsWith('packages/') || p.includes('phoenix-sim')), []);
  assert.deepEqual(simulatorCodeIn(paths.map((p) => join(ROOT, p)), simulatorFiles()), []);
});

interface Copy { from?: string; sources: string[]; dest: string }
interface Stage { name?: string; copies: Copy[]; runs: string[] }

/** The Dockerfile's stages: their COPY instructions and RUN commands (continuation lines joined). */
function dockerStages(text: string): Stage[] {
  const lines = text.replace(/\\\n/g, ' ').split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
  const stages: Stage[] = [];
  for (const line of lines) {
    const [instruction, ...rest] = line.split(/\s+/);
    if (/^FROM$/i.test(instruction!)) {
      const as = rest.findIndex((w) => /^AS$/i.test(w));
      stages.push({ name: as >= 0 ? rest[as + 1] : undefined, copies: [], runs: [] });
    } else if (/^COPY$/i.test(instruction!)) {
      const flags = rest.filter((w) => w.startsWith('--'));
      const args = rest.filter((w) => !w.startsWith('--'));
      const from = flags.find((f) => f.startsWith('--from='))?.slice('--from='.length);
      stages.at(-1)!.copies.push({ from, sources: args.slice(0, -1), dest: args.at(-1)! });
    } else if (/^RUN$/i.test(instruction!)) {
      stages.at(-1)!.runs.push(rest.join(' '));
    }
  }
  return stages;
}

test('the production image (its Dockerfile file selection) holds no simulator code', { timeout: 60_000 }, () => {
  const stages = dockerStages(readFileSync(join(ROOT, 'Dockerfile'), 'utf8'));
  const image = stages.at(-1)!;
  const stage = (name: string) => stages.find((s) => s.name === name) ?? assert.fail(`no stage ${name}`);
  const sim = simulatorFiles();

  // No stage takes anything of the simulator from the build context.
  const contextSources = stages.flatMap((s) => s.copies.filter((c) => !c.from).flatMap((c) => c.sources));
  assert.deepEqual(contextSources.filter((p) => p.replace(/^\.\//, '').startsWith('packages') || p === '.' || p === './'), []);
  // Every install is of the product alone.
  const installs = stages.flatMap((s) => s.runs.filter((r) => /\bnpm (ci|install|i)\b/.test(r)));
  assert.ok(installs.length > 0);
  for (const run of installs) assert.match(run, /--workspaces=false/, run);

  const selected: string[] = [];
  for (const copy of image.copies) {
    if (!copy.from) {
      selected.push(...copy.sources.flatMap((p) => filesUnder(join(ROOT, p))));
      continue;
    }
    const from = stage(copy.from);
    for (const source of copy.sources) {
      const path = relative('/app', source);
      if (path === 'node_modules') {
        // Installed from the manifests alone, without dev dependencies: the lock file says what that installs.
        assert.deepEqual(from.copies.filter((c) => !c.from).flatMap((c) => c.sources).sort(), ['package-lock.json', 'package.json']);
        assert.ok(from.runs.some((r) => /npm ci\b.*--omit=dev/.test(r)), 'production dependencies only');
        const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as { packages: Record<string, { dev?: boolean; link?: boolean; resolved?: string }> };
        const installed = Object.entries(lock.packages).filter(([key, p]) => key.startsWith('node_modules/') && !p.dev);
        // Registry packages: none is the simulator.
        assert.deepEqual(installed.filter(([key, p]) => !p.link && key.split('/').includes('phoenix-sim')).map(([key]) => key), []);
        // Workspace links: npm makes one only for a workspace the product depends on outside
        // devDependencies (phoenix-sim is a dev dependency), and no stage holds packages/ to link to.
        const product = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as Record<string, Record<string, string> | undefined>;
        for (const [key, p] of installed.filter(([, p]) => p.link)) {
          const name = key.slice('node_modules/'.length);
          assert.ok(p.resolved?.startsWith('packages/'), `${key} links into a workspace`);
          assert.equal(product.dependencies?.[name] ?? product.optionalDependencies?.[name], undefined, `${name} is no production dependency`);
          assert.ok(product.devDependencies?.[name], `${name} is a dev dependency, omitted by --omit=dev`);
        }
      } else if (path === 'dist') {
        // The build stage's dist/ is the product build of src/ (build:product), as here.
        assert.ok(from.runs.some((r) => /npm run build:product\b/.test(r)), 'the image builds the product alone');
        assert.deepEqual(from.copies.filter((c) => !c.from).flatMap((c) => c.sources).filter((p) => !/^(package(-lock)?\.json|tsconfig(\.build)?\.json|src|scripts\/build-(workflow|cli)-bundle\.mjs)$/.test(p)), []);
        selected.push(...filesUnder(join(ROOT, 'dist')));
      } else {
        assert.ok(from.copies.some((c) => !c.from && c.sources.includes(path)), `${source} comes from the build context`);
        selected.push(...filesUnder(join(ROOT, path)));
      }
    }
  }
  assert.ok(selected.some((f) => f.endsWith('dist/worker.js')) && selected.some((f) => f.endsWith('features/README.md')));
  assert.deepEqual(selected.filter((f) => isUnder(f, SIM)).map((f) => relative(ROOT, f)), []);
  assert.deepEqual(simulatorCodeIn(selected, sim), []);
  assertProductDist(join(ROOT, 'dist'), sim);
});

test('the content check finds simulator code where there is some', { timeout: 60_000 }, () => {
  const sim = simulatorFiles();
  const simFiles = [join(SIM, 'dist', 'cli.js'), join(SIM, 'standins', 'bin', 'systemctl')];
  assert.equal(simulatorCodeIn(simFiles, sim).length, 2);
  assert.ok(mappedSources(join(SIM, 'dist', 'cli.js')).some((s) => s.startsWith('packages/phoenix-sim/src/')));
});
