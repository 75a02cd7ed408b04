import { Type } from '@sinclair/typebox';
import { choice, defineEvent } from '@omnishop/kit';

const Payment = {
  intentId: Type.String({ description: 'the payment intent' }),
  orderId: Type.String({ description: 'the order it pays for (the event key)' }),
  amount: Type.Integer({ description: 'minor units (fen)' }),
  currency: Type.String(),
};

export const PaymentCaptured = defineEvent(
  'PaymentCaptured',
  1,
  "A payment was taken: the wallet provider's verified callback said so, or a clerk took cash at the till. At most once per intent.",
  Type.Object({
    ...Payment,
    method: choice(['wallet', 'cash']),
    providerRef: Type.Union([Type.String(), Type.Null()], { description: "the wallet provider's reference; null for cash" }),
    capturedAt: Type.String({ description: 'ISO instant' }),
  }),
);

export const PaymentFailed = defineEvent(
  'PaymentFailed',
  1,
  "The wallet provider's verified callback said the payment failed (declined, timed out at the customer's phone); nothing was taken.",
  Type.Object({ ...Payment, providerRef: Type.Union([Type.String(), Type.Null()]), reason: Type.String() }),
);

export const PaymentRefunded = defineEvent(
  'PaymentRefunded',
  1,
  'Part or all of a captured payment was given back; refunds together never pass the captured amount.',
  Type.Object({
    ...Payment,
    refundId: Type.String(),
    refundedTotal: Type.Integer({ description: 'everything refunded on this intent so far, this refund included' }),
    reason: Type.String(),
  }),
);

export const PaymentCancelled = defineEvent(
  'PaymentCancelled',
  1,
  'A payment intent was cancelled before anything was captured; a late provider callback for it changes nothing.',
  Type.Object({ ...Payment }),
);

export const paymentEvents = [PaymentCaptured, PaymentFailed, PaymentRefunded, PaymentCancelled];
