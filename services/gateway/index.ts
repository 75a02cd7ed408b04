import { defineService } from '@omnishop/kit';
import { storeRegisterHandlers, storeRegisterReadModel } from '@omnishop/store-register';
import type { GatewayTables } from './db.js';
import { gatewayEvents } from './contract.js';
import { migrations } from './migrations/index.js';
import type { GatewayOptions } from './commands.js';
import { refresh, signIn, signOut } from './routes/token.js';
import { changeRole, createUser, disableUser, listUsers } from './routes/users.js';

export type { GatewayOptions } from './commands.js';
export { hashPassword } from './domain/password.js';

export const gatewayService = (opts: GatewayOptions) =>
  defineService<GatewayTables>({
    name: 'gateway',
    prefix: '/api/auth',
    description: "Sign-in: a brand's users and their passwords, short-lived access tokens, rotating refresh tokens, sign-out and revocation.",
    migrations,
    emits: gatewayEvents,
    routes: [signIn(opts), refresh(opts), signOut(opts), createUser, listUsers, changeRole(opts), disableUser(opts)],
    handlers: storeRegisterHandlers<GatewayTables>(),
    readModels: [storeRegisterReadModel],
  });
