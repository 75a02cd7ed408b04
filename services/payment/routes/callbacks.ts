import { actForTenant, notFound, Problem, unprocessable } from '@omnishop/kit';
import { SignedNotification, verifyNotification, type NotificationRejection } from '../domain/notification.js';
import { queries, route } from '../db.js';
import { settleByNotification } from '../commands.js';
import { IntentView, intentView, intentViewOf } from '../views.js';
import { Type } from '@sinclair/typebox';

const REJECTIONS: Record<NotificationRejection, () => Problem> = {
  bad_signature: () => new Problem(401, 'callback-signature-invalid', 'Callback rejected', { detail: 'the notification signature does not verify' }),
  stale: () => new Problem(401, 'callback-stale', 'Callback rejected', { detail: 'the notification timestamp is outside the accepted window' }),
  replayed: () => new Problem(409, 'callback-replayed', 'Callback rejected', { detail: 'this notification was delivered before' }),
};

/**
 * The wallet provider's asynchronous notification. Public (no token: the
 * provider is not a user of the platform); the signature authenticates it, and
 * the tenant is the one it names, once verified. Capture or failure is applied
 * at most once: the update is conditional on the intent still being created,
 * so a second or late notification for a settled intent is a 200 that changes
 * nothing (but a success for a cancelled intent: that money is refunded at once), and the same notification twice is a replay (409).
 */
export const walletCallback = (opts: { secret: string; windowMs: number }) =>
  route({
    method: 'POST',
    url: '/callbacks/wallet',
    summary: "The wallet provider's signed notification of a payment's outcome (public; verified by its HMAC-SHA256 signature)",
    roles: 'public',
    // Its order already waits on it: refusing it for load would only hold that order back.
    alwaysAdmitted: true,
    body: SignedNotification,
    response: {
      200: Type.Object(
        { applied: Type.Boolean({ description: 'false: the intent was settled before, and nothing changed' }), intent: IntentView },
        { title: 'CallbackOutcome', description: 'The notification was taken; whether it changed the intent' },
      ),
    },
    errors: {
      401: 'the signature does not verify, or the timestamp is outside the accepted window',
      404: 'no wallet payment intent with this id',
      409: 'this notification was delivered before (type `callback-replayed`)',
      422: "the amount, currency or provider reference is not the intent's",
    },
    handler: async ({ body }, tx) => {
      const verified = verifyNotification(body, { secret: opts.secret, now: new Date(), windowMs: opts.windowMs });
      if (!verified.ok) throw REJECTIONS[verified.error]();
      const n = verified.value;
      const tenant = n.tenant;
      actForTenant(tenant);
      const intent = await queries.intent.first(tx.db, { tenant, id: n.intentId });
      if (!intent || intent.method !== 'wallet') throw notFound('payment intent', n.intentId);
      if (Number(intent.amount) !== n.amount || intent.currency !== n.currency) throw unprocessable('body.amount', `does not match the intent: ${intent.amount} ${intent.currency}`);
      if (intent.provider_ref !== n.providerRef) throw unprocessable('body.providerRef', 'is not the reference the provider gave this intent');
      const settled = await settleByNotification(tx, intent, n);
      if (!settled.ok) throw REJECTIONS.replayed();
      const { applied, intent: after } = settled.value;
      // Just settled, nothing is refunded yet; settled before, it is shown with its refunds.
      return { status: 200, body: { applied, intent: applied ? intentView(after, []) : await intentViewOf(tx, after) } };
    },
  });
