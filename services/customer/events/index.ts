import { Type } from '@sinclair/typebox';
import { defineEvent } from '@omnishop/kit';

export const TierSchema = Type.Union([Type.Literal('bronze'), Type.Literal('silver'), Type.Literal('gold')], {
  description: 'from lifetime points: bronze below 1000, silver below 5000, gold from 5000',
});

const After = {
  balance: Type.Integer({ minimum: 0, description: "the member's points after this entry" }),
  tier: TierSchema,
};

export const PointsEarned = defineEvent(
  'PointsEarned',
  1,
  "A completed order earned its customer loyalty points (1 per yuan of the order total); the customer became a member on their first.",
  Type.Object({
    memberId: Type.String({ description: "the customer (their token subject)" }),
    orderId: Type.String(),
    points: Type.Integer({ minimum: 1 }),
    ...After,
  }),
);

export const PointsReversed = defineEvent(
  'PointsReversed',
  1,
  "An order's points were taken back (a refund): what it earned, or what was left if the member had less.",
  Type.Object({
    memberId: Type.String(),
    orderId: Type.String(),
    points: Type.Integer({ minimum: 0, description: 'points taken back' }),
    reason: Type.String({ description: 'why, as given by whoever reversed it' }),
    ...After,
  }),
);

export const customerEvents = [PointsEarned, PointsReversed];
