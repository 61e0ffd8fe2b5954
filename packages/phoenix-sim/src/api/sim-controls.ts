import type { IncomingMessage, ServerResponse } from 'node:http';
import { validateFault, type FaultSpec } from '../state/faults';
import type { SimState } from '../state';
import { readBody } from './params';
import { sendSimJson } from './wire';

/**
 * Simulator-only controls under `/sim/*`, never mixed with `/api2/json` and
 * never subject to faults: ledger, reset, faults, task durations, state dump, coverage.
 */
export async function handleSimControl(state: SimState, coverage: () => string[], req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
  const route = `${req.method} ${url.pathname.replace(/\/+$/, '')}`;
  try {
    switch (route) {
      case 'GET /sim/health':
        return sendSimJson(res, 200, { ok: true, nodes: state.nodes });
      case 'GET /sim/ledger': {
        const vmid = url.searchParams.get('vmid');
        const since = url.searchParams.get('since');
        const entries = state.ledger.entries({ kind: url.searchParams.get('kind') ?? undefined, vmid: vmid ? Number(vmid) : undefined, since: since ? Number(since) : undefined });
        return sendSimJson(res, 200, { entries });
      }
      case 'POST /sim/reset':
        await state.tasks.settle();
        state.reset();
        return sendSimJson(res, 200, { ok: true });
      case 'GET /sim/faults':
        return sendSimJson(res, 200, state.faults.list());
      case 'POST /sim/faults': {
        const body = JSON.parse((await readBody(req)).toString('utf8') || '{}') as { faults?: unknown[]; seed?: number };
        const specs: FaultSpec[] = (body.faults ?? []).map((f, i) => validateFault(f, `faults[${i}]`));
        state.faults.set(specs, typeof body.seed === 'number' ? body.seed : undefined);
        return sendSimJson(res, 200, state.faults.list());
      }
      case 'DELETE /sim/faults':
        state.faults.clear();
        return sendSimJson(res, 200, state.faults.list());
      case 'GET /sim/durations':
        return sendSimJson(res, 200, state.durations);
      case 'POST /sim/durations': {
        // Unscaled milliseconds of PVE's tasks and the guest agent's boot, changed live for the
        // tasks started afterwards (a test widens a window: a clone still running when its cancel arrives).
        const body = JSON.parse((await readBody(req)).toString('utf8') || '{}') as Record<string, unknown>;
        for (const [name, ms] of Object.entries(body)) {
          if (!Object.hasOwn(state.durations, name)) throw new Error(`unknown duration '${name}' (known: ${Object.keys(state.durations).join(', ')})`);
          if (typeof ms !== 'number' || !Number.isFinite(ms) || ms < 0) throw new Error(`duration '${name}' must be a number of milliseconds >= 0, got ${JSON.stringify(ms)}`);
        }
        Object.assign(state.durations, body); // all checked first: a bad body changes nothing
        return sendSimJson(res, 200, state.durations);
      }
      case 'GET /sim/state':
        return sendSimJson(res, 200, state.snapshot());
      case 'GET /sim/coverage':
        return sendSimJson(res, 200, { endpoints: coverage() });
      default:
        return sendSimJson(res, 404, { error: `no simulator control '${route}'` });
    }
  } catch (e) {
    return sendSimJson(res, 400, { error: (e as Error).message });
  }
}
