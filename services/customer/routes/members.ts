import { Type } from '@sinclair/typebox';
import type { Kysely } from 'kysely';
import { choice, decodeCursor, Name, PageQuery, toPage, type Role } from '@omnishop/kit';
import { join } from '../commands.js';
import { memberOf, pointsOf, route, type CustomerTables, type EntryRow, type MemberRow } from '../db.js';
import { TierSchema } from '../contract.js';

const STAFF: Role[] = ['clerk', 'store_manager', 'brand_admin'];

/** A member is named by the customer's token subject: printable, no spaces. */
const MemberId = Type.Object({ id: Type.String({ minLength: 1, maxLength: 128, pattern: '^[\\x21-\\x7e]+$', description: 'the customer (their token subject)' }) });

const MemberView = Type.Object({
  id: Type.String(),
  name: Type.Union([Type.String(), Type.Null()]),
  tier: TierSchema,
  balance: Type.Integer({ description: 'points to spend' }),
  lifetimePoints: Type.Integer({ description: 'earned less reversed; decides the tier' }),
  joinedAt: Type.String(),
}, { title: 'Member', description: "A member's tier and points" });

const EntryView = Type.Object({
  seq: Type.Integer(),
  orderId: Type.Union([Type.String(), Type.Null()]),
  delta: Type.Integer(),
  reason: choice(['earned', 'reversed', 'adjusted']),
  note: Type.Union([Type.String(), Type.Null()]),
  at: Type.String(),
}, { title: 'PointsEntry', description: 'Points earned, reversed or adjusted' });

const entryView = (e: EntryRow) => ({ seq: Number(e.seq), orderId: e.order_id, delta: e.delta, reason: e.reason, note: e.note, at: e.at });

async function memberView(db: Kysely<CustomerTables>, m: MemberRow) {
  const points = await pointsOf(db, m.tenant, m.id);
  return { id: m.id, name: m.name, tier: m.tier, balance: points.balance, lifetimePoints: points.lifetime, joinedAt: m.joined_at };
}

/*
 * GET /me answers 404 until the customer is a member. Membership starts with the first completed order
 * (or with PUT /me); GETs run without a transaction in the kit and write nothing, and a member made up
 * by a read would get a join date that means nothing.
 */
export const getMe = route({
  method: 'GET',
  url: '/me',
  summary: 'Your membership: tier and points balance (404 until your first completed order)',
  roles: ['customer'],
  response: { 200: MemberView },
  errors: { 404: 'not a member yet' },
  handler: async ({ principal }, tx) => ({ status: 200, body: await memberView(tx.db, await memberOf(tx.db, principal.tenant, principal.subject)) }),
});

export const putMe = route({
  method: 'PUT',
  url: '/me',
  summary: 'Set your name; joins you as a member if you are not one yet',
  roles: ['customer'],
  body: Type.Object({ name: Name }, { additionalProperties: false }),
  response: { 200: MemberView },
  handler: async ({ body, principal }, tx) => {
    const { tenant, subject } = principal;
    if (!(await join(tx, tenant, subject, body.name))) await tx.db.updateTable('member').set({ name: body.name }).where('tenant', '=', tenant).where('id', '=', subject).execute();
    return { status: 200, body: await memberView(tx.db, await memberOf(tx.db, tenant, subject)) };
  },
});

export const listMyPoints = route({
  method: 'GET',
  url: '/me/points',
  summary: 'Your points ledger, newest first, with the balance it adds up to',
  roles: ['customer'],
  query: Type.Object(PageQuery),
  response: {
    200: Type.Object(
      { items: Type.Array(EntryView), nextCursor: Type.Union([Type.String(), Type.Null()], { description: '`cursor` for the next page; null on the last' }), balance: Type.Integer() },
      { title: 'PointsLedger', description: 'A page of points entries, newest first, and the balance all of them add up to' },
    ),
  },
  errors: { 404: 'not a member yet' },
  handler: async ({ query, principal }, tx) => {
    const member = await memberOf(tx.db, principal.tenant, principal.subject);
    const before = decodeCursor<number>(query.cursor, 'number');
    let q = tx.db
      .selectFrom('points_entry')
      .selectAll()
      .where('tenant', '=', member.tenant)
      .where('member_id', '=', member.id)
      .orderBy('seq', 'desc')
      .limit(query.limit + 1);
    if (before !== undefined) q = q.where('seq', '<', before);
    const page = toPage(await q.execute(), query.limit, (r) => Number(r.seq));
    const { balance } = await pointsOf(tx.db, member.tenant, member.id);
    return { status: 200, body: { items: page.items.map(entryView), nextCursor: page.nextCursor, balance } };
  },
});

export const getMember = route({
  method: 'GET',
  url: '/members/:id',
  summary: "A member's tier and points balance",
  roles: STAFF,
  params: MemberId,
  response: { 200: MemberView },
  errors: { 404: 'no member with this id' },
  handler: async ({ params, principal }, tx) => ({ status: 200, body: await memberView(tx.db, await memberOf(tx.db, principal.tenant, params.id)) }),
});
