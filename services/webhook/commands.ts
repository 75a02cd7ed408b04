import { randomBytes } from 'node:crypto';
import { json, newId, notFound, nowIso, statement, type EventEnvelope, type Tx } from '@omnishop/kit';
import type { DeliveryRow, SubscriptionRow, WebhookTables } from './db.js';
import { accepted, afterFailure, matches, signingSecrets, type RetrySchedule } from './domain/webhook.js';

/** The write side of webhooks: each command writes what it decided, in the caller's transaction. */

/** A new signing secret, in the Standard Webhooks form: `whsec_` and 32 random bytes in base64. */
export const newSecret = (): string => `whsec_${randomBytes(32).toString('base64')}`;

export async function createSubscription(
  tx: Tx<WebhookTables>,
  tenant: string,
  input: { url: string; eventTypes: string[]; description?: string | undefined },
): Promise<SubscriptionRow> {
  return tx.db
    .insertInto('subscription')
    .values({
      tenant,
      id: newId(),
      url: input.url,
      event_types: json.write([...new Set(input.eventTypes)]),
      description: input.description ?? null,
      secret: newSecret(),
      previous_secret: null,
      previous_until: null,
      created_at: nowIso(),
      secret_rotated_at: null,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
}

export async function subscriptionOf(tx: Tx<WebhookTables>, id: string): Promise<SubscriptionRow> {
  const row = await tx.db.selectFrom('subscription').selectAll().where('id', '=', id).executeTakeFirst();
  if (!row) throw notFound('subscription', id);
  return row;
}

/** A new secret; the old one goes on signing beside it for `overlapSeconds`, so a receiver can switch over without a gap. */
export async function rotateSecret(tx: Tx<WebhookTables>, id: string, overlapSeconds: number): Promise<SubscriptionRow> {
  const current = await subscriptionOf(tx, id);
  const now = new Date();
  return tx.db
    .updateTable('subscription')
    .set({
      secret: newSecret(),
      previous_secret: overlapSeconds > 0 ? current.secret : null,
      previous_until: overlapSeconds > 0 ? new Date(now.getTime() + overlapSeconds * 1000).toISOString() : null,
      secret_rotated_at: now.toISOString(),
    })
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirstOrThrow();
}

/** Ends a subscription: nothing more is sent to it, and what it was still owed, and its history, go with it. */
export async function unsubscribe(tx: Tx<WebhookTables>, id: string): Promise<void> {
  await subscriptionOf(tx, id);
  await tx.db.deleteFrom('delivery_attempt').where('subscription_id', '=', id).execute();
  await tx.db.deleteFrom('delivery').where('subscription_id', '=', id).execute();
  await tx.db.deleteFrom('subscription').where('id', '=', id).execute();
}

/** Parked deliveries of a subscription go out again, from a first attempt, in their order; returns how many. */
export async function replayParked(tx: Tx<WebhookTables>, id: string): Promise<number> {
  await subscriptionOf(tx, id);
  const replayed = await tx.db
    .updateTable('delivery')
    .set({ status: 'pending', attempts: 0, next_attempt_at: nowIso(), leased_until: null })
    .where('subscription_id', '=', id)
    .where('status', '=', 'parked')
    .executeTakeFirst();
  return Number(replayed.numUpdatedRows);
}

/** What a receiver is sent for an event: what happened, when, and its data. */
export const payloadOf = (event: EventEnvelope) =>
  json.write({ type: event.type, timestamp: event.time, data: event.data, eventId: event.id, version: event.version, key: event.key });

/** The brand's subscriptions and what they take: asked for every event, so compiled once (see statement). */
const subscriptionsOfBrand = statement<WebhookTables>()((db) => db.selectFrom('subscription').select(['id', 'event_types']));
const tenantsSubscribed = statement<WebhookTables>()((db) => db.selectFrom('subscription').select('tenant').distinct());

/** Every brand with a subscription (across brands: the caller says why). */
export async function subscribedTenants(tx: Tx<WebhookTables>): Promise<string[]> {
  return (await tenantsSubscribed.all(tx.db, {})).map((r) => r.tenant);
}

/**
 * An event of the brand becomes a delivery to each of the brand's subscriptions
 * that takes its type. The brand is the event's: the data layer reads only that
 * brand's subscriptions, so no other brand's endpoint ever hears of it.
 */
export async function fanOut(tx: Tx<WebhookTables>, event: EventEnvelope): Promise<number> {
  const subscriptions = await subscriptionsOfBrand.all(tx.db, {});
  const to = subscriptions.filter((s) => matches(json.read<string[]>(s.event_types), event.type));
  if (!to.length) return 0;
  const payload = payloadOf(event);
  const now = nowIso();
  await tx.db
    .insertInto('delivery')
    .values(
      to.map((s) => ({
        tenant: event.tenant,
        id: newId(),
        subscription_id: s.id,
        event_id: event.id,
        event_type: event.type,
        key: event.key,
        payload,
        status: 'pending' as const,
        attempts: 0,
        next_attempt_at: now,
        leased_until: null,
        last_status: null,
        last_error: null,
        event_time: event.time,
        delivered_at: null,
      })),
    )
    .onConflict((oc) => oc.columns(['subscription_id', 'event_id']).doNothing())
    .execute();
  return to.length;
}

/** A delivery claimed for sending: what to send, where, signed with which secrets. */
export interface Leased {
  id: string;
  tenant: string;
  subscriptionId: string;
  key: string;
  eventId: string;
  payload: string;
  attempt: number;
  url: string;
  secrets: string[];
  leasedUntil: string;
}

/**
 * Claims deliveries to send now: pending and due, claimed by no one, and the
 * first still owed of its key in its subscription (a key's deliveries go one
 * at a time, in event order; a parked one holds the rest of its key back until
 * it is replayed). The claim is conditional, so two replicas never send the
 * same delivery at once; it lapses after `leaseMs` (a sender that died).
 */
export async function leaseDue(tx: Tx<WebhookTables>, opts: { leaseMs: number; limit: number; lane?: { subscriptionId: string; key: string } }): Promise<Leased[]> {
  const now = new Date();
  const at = now.toISOString();
  const leasedUntil = new Date(now.getTime() + opts.leaseMs).toISOString();
  let due = tx.db
    .selectFrom('delivery as d')
    .innerJoin('subscription as s', (j) => j.onRef('s.tenant', '=', 'd.tenant').onRef('s.id', '=', 'd.subscription_id'))
    .select(['d.id', 'd.tenant', 'd.subscription_id', 'd.key', 'd.event_id', 'd.payload', 'd.attempts', 'd.leased_until', 's.url', 's.secret', 's.previous_secret', 's.previous_until'])
    .where('d.status', '=', 'pending')
    .where('d.next_attempt_at', '<=', at)
    .where((eb) => eb.or([eb('d.leased_until', 'is', null), eb('d.leased_until', '<=', at)]))
    .where(({ not, exists, selectFrom }) =>
      not(
        exists(
          selectFrom('delivery as e')
            .select('e.seq')
            .whereRef('e.subscription_id', '=', 'd.subscription_id')
            .whereRef('e.key', '=', 'd.key')
            .whereRef('e.seq', '<', 'd.seq')
            .where('e.status', 'in', ['pending', 'parked']),
        ),
      ),
    );
  if (opts.lane) due = due.where('d.subscription_id', '=', opts.lane.subscriptionId).where('d.key', '=', opts.lane.key);
  const rows = await due.orderBy('d.next_attempt_at').orderBy('d.seq').limit(opts.limit).execute();
  const leased: Leased[] = [];
  for (const r of rows) {
    const claimed = await tx.db
      .updateTable('delivery')
      .set({ leased_until: leasedUntil })
      .where('id', '=', r.id)
      .where('status', '=', 'pending')
      .where((eb) => (r.leased_until === null ? eb('leased_until', 'is', null) : eb('leased_until', '=', r.leased_until)))
      .executeTakeFirst();
    if (Number(claimed.numUpdatedRows) !== 1) continue;
    leased.push({
      id: r.id,
      tenant: r.tenant,
      subscriptionId: r.subscription_id,
      key: r.key,
      eventId: r.event_id,
      payload: r.payload,
      attempt: r.attempts + 1,
      url: r.url,
      secrets: signingSecrets({ secret: r.secret, previousSecret: r.previous_secret, previousUntil: r.previous_until }, at),
      leasedUntil,
    });
  }
  return leased;
}

/** What one attempt came to: the receiver's status, or why there was none. */
export interface Outcome {
  status: number | null;
  error: string | null;
  durationMs: number;
}

/**
 * Records an attempt: delivered on a 2xx, else tried again after the
 * schedule's wait, or parked once it has had all its attempts. Only the
 * holder of the claim records (a claim that lapsed and was taken over is the
 * new holder's). Says whether the delivery was received.
 */
export async function recordAttempt(tx: Tx<WebhookTables>, d: Leased, outcome: Outcome, schedule: RetrySchedule): Promise<boolean> {
  const at = new Date();
  const received = outcome.status !== null && accepted(outcome.status);
  const next = received ? undefined : afterFailure(d.attempt, schedule);
  const change: Partial<DeliveryRow> = {
    attempts: d.attempt,
    leased_until: null,
    last_status: outcome.status,
    last_error: received ? null : (outcome.error ?? `answered ${outcome.status}`),
    ...(received
      ? { status: 'delivered' as const, delivered_at: at.toISOString() }
      : next?.status === 'pending'
        ? { next_attempt_at: new Date(at.getTime() + next.waitMs).toISOString() }
        : { status: 'parked' as const }),
  };
  const recorded = await tx.db.updateTable('delivery').set(change).where('id', '=', d.id).where('leased_until', '=', d.leasedUntil).executeTakeFirst();
  if (Number(recorded.numUpdatedRows) !== 1) return false;
  await tx.db
    .insertInto('delivery_attempt')
    .values({
      tenant: d.tenant,
      delivery_id: d.id,
      subscription_id: d.subscriptionId,
      attempt: d.attempt,
      at: at.toISOString(),
      status_code: outcome.status,
      error: received ? null : change.last_error!,
      duration_ms: Math.round(outcome.durationMs),
    })
    .execute();
  return received;
}
