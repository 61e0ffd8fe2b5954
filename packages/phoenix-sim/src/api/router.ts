import type { SimState } from '../state';
import type { OpContext, Params } from '../state/types';

/**
 * Route table of `/api2/json`: `{name}` segments become path parameters.
 * Nothing matched means PVE's 501 (never an empty 200).
 */
export interface RouteContext {
  state: SimState;
  op: OpContext;
  params: Params;
  path: Record<string, string>;
}

export type Handler = (c: RouteContext) => unknown;

export interface Route {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  path: string;
  handler: Handler;
  /** Reachable without authentication (the login). */
  public?: boolean;
}

interface Compiled extends Route {
  segments: string[];
}

export class Router {
  private readonly routes_: Compiled[] = [];

  add(routes: Route[]): this {
    for (const r of routes) this.routes_.push({ ...r, segments: r.path.split('/').filter(Boolean) });
    return this;
  }

  match(method: string, path: string): { route: Route; path: Record<string, string> } | undefined {
    const segs = path.split('/').filter(Boolean);
    for (const r of this.routes_) {
      if (r.method !== method || r.segments.length !== segs.length) continue;
      const params: Record<string, string> = {};
      let ok = true;
      for (let i = 0; i < segs.length; i++) {
        const want = r.segments[i]!;
        let got: string;
        try {
          got = decodeURIComponent(segs[i]!);
        } catch {
          got = segs[i]!;
        }
        if (want.startsWith('{')) params[want.slice(1, -1)] = got;
        else if (want !== got) {
          ok = false;
          break;
        }
      }
      if (ok) return { route: r, path: params };
    }
    return undefined;
  }

  /** Every route's method and path template (the schema generator and validators key on these). */
  routes(): Array<{ method: Route['method']; path: string }> {
    return this.routes_.map((r) => ({ method: r.method, path: r.path }));
  }

  /** Every implemented `METHOD path` (the coverage list). */
  list(): string[] {
    return this.routes_.map((r) => `${r.method} /api2/json${r.path}`);
  }
}
