import type { Kysely, Selectable } from 'kysely';
import { notFound, routeFor, type Role, type KitTables } from '@omnishop/kit';
import type { StoreRegisterTables } from '@omnishop/store-register';

export type UserStatus = 'active' | 'disabled';

export interface GatewayTables extends KitTables, StoreRegisterTables {
  /** A person who signs in: staff of a brand, a customer, or an operator of the platform. */
  app_user: {
    id: string;
    tenant: string;
    username: string;
    /** scrypt, see domain/password.ts; never leaves this service. */
    password_hash: string;
    role: Role;
    /** The store a clerk or store manager works at. */
    store: string | null;
    status: UserStatus;
    failed_attempts: number;
    locked_until: string | null;
    created_at: string;
    updated_at: string;
  };
  /** Refresh tokens, by the SHA-256 of the token; one family per sign-in, rotated on every use. */
  refresh_token: {
    token_hash: string;
    family: string;
    tenant: string;
    user_id: string;
    expires_at: string;
    used_at: string | null;
    revoked_at: string | null;
    created_at: string;
  };
}

export type UserRow = Selectable<GatewayTables['app_user']>;

export const route = routeFor<GatewayTables>();

export const userView = (u: UserRow) => ({
  id: u.id,
  username: u.username,
  role: u.role,
  store: u.store,
  status: u.status,
  createdAt: u.created_at,
  updatedAt: u.updated_at,
});

/** A user of the tenant; another brand's user, like a missing one, is not found. */
export async function userOf(db: Kysely<GatewayTables>, tenant: string, id: string): Promise<UserRow> {
  const row = await db.selectFrom('app_user').selectAll().where('tenant', '=', tenant).where('id', '=', id).executeTakeFirst();
  if (!row) throw notFound('user', id);
  return row;
}
