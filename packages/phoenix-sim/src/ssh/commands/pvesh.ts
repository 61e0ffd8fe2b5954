import { callLocalApi } from '../../api/dispatch';
import { WithTotal } from '../../api/wire';
import type { Params } from '../../state/types';
import { die, PVE_DIE, type CommandContext } from '../command-io';
import { cliBooleans, parseCliOptions } from '../cli-params';
import { asCli, followTask } from '../task-output';
import { CLI_USER } from './pct';

/**
 * `pvesh get|set|create|delete <path> [OPTIONS] [--output-format json|json-pretty|text]`:
 * the API on the host, answered by the same routes, schema and state as HTTPS. As on PVE,
 * the CLI runs a worker in the foreground (its log on stdout) before printing the UPID.
 */
const METHODS: Record<string, string> = { get: 'GET', set: 'PUT', create: 'POST', delete: 'DELETE' };
const USAGE = 'pvesh <get|set|create|delete> <api_path> [OPTIONS] [FORMAT_OPTIONS]';
const UPID = /^UPID:[^:]+:[0-9A-F]{8}:[0-9A-F]{8}:[0-9A-F]{8}:[^:]+:[^:]*:[^:]+:$/;

export async function pvesh(ctx: CommandContext): Promise<number> {
  const [sub, ...rest] = ctx.argv.slice(1);
  return asCli(ctx.stderr, async () => {
    const method = METHODS[sub ?? ''];
    if (!method) die(`unknown command 'pvesh ${sub ?? ''}'\nUSAGE: ${USAGE}`);
    const { positional, params } = parseCliOptions(rest, USAGE);
    if (positional.length !== 1) die(`400 ${positional.length ? 'too many' : 'not enough'} arguments\n${USAGE}`);
    const format = takeSingle(params, 'output-format') ?? 'text';
    if (!['json', 'json-pretty', 'text'].includes(format)) die(`400 Parameter verification failed.\noutput-format: value '${format}' does not have a value in the enumeration 'text, json, json-pretty' (phoenix-sim: yaml is not simulated)\n`);
    delete params['noproxy'];
    const path = positional[0]!;
    const result = await callLocalApi(ctx.host.state, CLI_USER, method, path, cliBooleans(ctx.host.state.schema, method, path, params));
    if (typeof result === 'string' && UPID.test(result)) {
      const task = ctx.host.state.tasks.get(result);
      if (task) {
        const done = ctx.host.state.tasks.wait(result).then((r) => r ?? task);
        const code = await followTask({ upid: result, record: task, done }, ctx.stdout, ctx.stderr);
        if (code !== 0) return code;
      }
    }
    // `total` travels next to `data` over HTTP only; pvesh prints the data.
    ctx.stdout.write(render(result instanceof WithTotal ? result.data : result, format));
    return 0;
  });
}

function takeSingle(params: Params, key: string): string | undefined {
  const v = params[key];
  delete params[key];
  return Array.isArray(v) ? v[v.length - 1] : v;
}

function render(result: unknown, format: string): string {
  if (format === 'json') return `${JSON.stringify(result ?? null)}\n`;
  if (format === 'json-pretty') return `${JSON.stringify(result ?? null, null, 4)}\n`;
  if (result === null || result === undefined) return '';
  if (typeof result !== 'object') return `${String(result)}\n`;
  // PVE's text format draws tables; the simulator prints one `key: value` (object) or one JSON row (list) a line.
  if (Array.isArray(result)) return result.map((r) => (typeof r === 'object' ? JSON.stringify(r) : String(r))).join('\n') + (result.length ? '\n' : '');
  return Object.entries(result as Record<string, unknown>)
    .map(([k, v]) => `${k}: ${typeof v === 'object' ? JSON.stringify(v) : String(v)}`)
    .join('\n')
    .concat('\n');
}

export { PVE_DIE };
