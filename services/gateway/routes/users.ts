import { Type } from '@sinclair/typebox';
import { choice, conflict, decodeCursor, forbidden, PageOf, PageQuery, ROLES, toPage, unprocessable, Uuid, type Principal, type Role } from '@omnishop/kit';
import { requireOpenLocation } from '@omnishop/store-register';
import type { Kysely } from 'kysely';
import { route, userOf, userView, type GatewayTables } from '../db.js';
import { addUser, disable, setRole, type GatewayOptions } from '../commands.js';
import { hashPassword } from '../domain/password.js';
import { Username } from './token.js';

const ADMINS = ['brand_admin', 'operator'] as const;
const UserRole = choice(ROLES);
const StoreCode = Type.String({ minLength: 1, maxLength: 32, pattern: '^[A-Za-z0-9][A-Za-z0-9_.]*$', description: 'the store a clerk or store manager works at' });
const UserId = Type.Object({ id: Uuid });

const UserView = Type.Object({
  id: Type.String(),
  username: Type.String(),
  role: UserRole,
  store: Type.Union([Type.String(), Type.Null()]),
  status: choice(['active', 'disabled']),
  createdAt: Type.String(),
  updatedAt: Type.String(),
}, { title: 'User', description: 'A user of the brand: role, store (for store staff), whether active' });

const ASSIGNMENT_ERRORS = {
  403: 'only an operator makes, changes or disables an operator',
  422: 'a clerk or store manager names no store, or one that is not an open store of the brand; or another role names a store',
};

/**
 * Who may hold which role: a brand admin runs their brand's people but makes
 * no operators (those run the platform); store staff belong to an open store
 * (or warehouse) of the brand.
 */
async function checkAssignment(db: Kysely<GatewayTables>, principal: Principal, role: Role, store: string | undefined): Promise<void> {
  if (role === 'operator' && principal.role !== 'operator') throw forbidden('only an operator makes an operator');
  const atStore = role === 'clerk' || role === 'store_manager';
  if (atStore && !store) throw unprocessable('body.store', `is required for a ${role}`);
  if (!atStore && store) throw unprocessable('body.store', `is only for clerks and store managers, not a ${role}`);
  if (store) await requireOpenLocation(db, 'body.store', store);
}

export const createUser = route({
  method: 'POST',
  url: '/users',
  summary: 'Add a user to the brand, with a role and a password of at least 10 characters',
  roles: ADMINS,
  idempotent: true,
  body: Type.Object(
    { username: Username, password: Type.String({ minLength: 10, maxLength: 1024 }), role: UserRole, store: Type.Optional(StoreCode) },
    { additionalProperties: false },
  ),
  response: { 201: UserView },
  errors: { ...ASSIGNMENT_ERRORS, 409: 'the username is taken in this brand' },
  // scrypt takes tens of milliseconds: inside the unit of work it would hold up every write of the gateway queued behind it.
  prepare: ({ body }) => hashPassword(body.password),
  handler: async ({ body, principal, prepared }, tx) => {
    await checkAssignment(tx.db, principal, body.role, body.store);
    const row = await addUser(tx, principal.tenant, { username: body.username, passwordHash: prepared, role: body.role, ...(body.store ? { store: body.store } : {}) });
    if (!row) throw conflict('username-taken', `username ${body.username} is taken in this brand`);
    return { status: 201, body: userView(row) };
  },
});

export const listUsers = route({
  method: 'GET',
  url: '/users',
  summary: "The brand's users, oldest first",
  roles: ADMINS,
  query: Type.Object(PageQuery),
  response: { 200: PageOf(UserView) },
  handler: async ({ query, principal }, tx) => {
    const after = decodeCursor<string>(query.cursor, 'string');
    let q = tx.db.selectFrom('app_user').selectAll().where('tenant', '=', principal.tenant).orderBy('id').limit(query.limit + 1);
    if (after !== undefined) q = q.where('id', '>', after);
    const page = toPage(await q.execute(), query.limit, (r) => r.id);
    return { status: 200, body: { items: page.items.map(userView), nextCursor: page.nextCursor } };
  },
});

export const changeRole = (opts: GatewayOptions) =>
  route({
    method: 'PUT',
    url: '/users/:id/role',
    summary: "Change a user's role (and store); the tokens they hold are refused from now on, and they sign in again",
    roles: ADMINS,
    params: UserId,
    body: Type.Object({ role: UserRole, store: Type.Optional(StoreCode) }, { additionalProperties: false }),
    response: { 200: UserView },
    errors: { ...ASSIGNMENT_ERRORS, 404: 'no user with this id' },
    handler: async ({ params, body, principal }, tx) => {
      const role = body.role;
      const user = await userOf(tx.db, principal.tenant, params.id);
      await checkAssignment(tx.db, principal, role, body.store);
      if (user.role === 'operator' && principal.role !== 'operator') throw forbidden('only an operator changes an operator');
      return { status: 200, body: userView(await setRole(tx, opts.auth, user, role, body.store)) };
    },
  });

export const disableUser = (opts: GatewayOptions) =>
  route({
    method: 'POST',
    url: '/users/:id/disable',
    summary: 'Disable a user: they cannot sign in, and every token they hold is refused from now on',
    roles: ADMINS,
    params: UserId,
    response: { 200: UserView },
    errors: { 403: 'only an operator disables an operator', 404: 'no user with this id' },
    handler: async ({ params, principal }, tx) => {
      const user = await userOf(tx.db, principal.tenant, params.id);
      if (user.role === 'operator' && principal.role !== 'operator') throw forbidden('only an operator disables an operator');
      return { status: 200, body: userView(await disable(tx, opts.auth, user)) };
    },
  });
