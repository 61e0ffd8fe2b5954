import { PveError, notImplemented } from '../state/errors';
import type { SimState } from '../state';
import type { OpContext, Params } from '../state/types';
import type { SchemaValidator } from '../pve-schema';
import { Authenticator } from './auth';
import type { Credentials } from './credentials';
import type { Route } from './router';
import { buildRouter } from './server';

/**
 * PVE's RESTHandler order once a route is found: path parameters merged into the
 * parameters (a conflicting duplicate is refused), everything validated against the
 * release's schema, then the handler. Shared by the HTTPS API and `pvesh`.
 */
export async function dispatch(state: SimState, schema: SchemaValidator, op: OpContext, method: string, relPath: string, matched: { route: Route; path: Record<string, string> }, params: Params): Promise<unknown> {
  for (const [k, v] of Object.entries(matched.path)) {
    const given = params[k];
    if (given !== undefined && String(given) !== v) throw new PveError(400, 'Parameter verification failed.', { [k]: 'duplicate parameter (already defined in URI) with conflicting values!' });
    delete params[k];
  }
  delete params._dc;
  if (!schema.endpoint(method, matched.route.path)) throw notImplemented(method, relPath);
  const errors = schema.validate(method, matched.route.path, { ...params, ...matched.path });
  if (errors) throw new PveError(400, 'Parameter verification failed.', errors);
  return matched.route.handler({ state, op, params, path: matched.path });
}

const routers = new WeakMap<SimState, ReturnType<typeof buildRouter>>();

/** An API call made on the host itself (`pvesh`): no HTTP, no authentication, same rules. */
export async function callLocalApi(state: SimState, op: OpContext, method: string, path: string, params: Params): Promise<unknown> {
  let router = routers.get(state);
  if (!router) {
    // pvesh never logs in: the access routes' credentials are never read.
    router = buildRouter(new Authenticator({} as Credentials, state.release), state.release);
    routers.set(state, router);
  }
  const relPath = `/${path.split('/').filter(Boolean).join('/')}`;
  const matched = router.match(method, relPath);
  if (!matched) throw new PveError(501, `no '${method}' handler for '${relPath}'`);
  return dispatch(state, state.schema, op, method, relPath, matched, params);
}
