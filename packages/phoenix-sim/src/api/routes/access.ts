import type { Authenticator } from '../auth';
import type { Route } from '../router';

/** Login: the one endpoint reachable without credentials. */
export function accessRoutes(auth: Authenticator): Route[] {
  return [
    { method: 'POST', path: '/access/ticket', public: true, handler: ({ params }) => auth.login(params) },
    { method: 'GET', path: '/access/ticket', public: true, handler: () => null },
  ];
}
