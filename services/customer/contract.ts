import { Type } from '@sinclair/typebox';
import { choice, defineEvent } from '@omnishop/kit';

export const TierSchema = choice(['bronze', 'silver', 'gold'], {
  description: 'from lifetime points: bronze below 1000, silver below 5000, gold from 5000',
});

const After = {
  balance: Type.Integer({ minimum: 0, description: "the member's points after this entry" }),
  tier: TierSchema,
};

export const MemberJoined = defineEvent(
  'MemberJoined',
  1,
  'A customer became a member of the brand (with their first completed order, or by giving their name): from now on they earn points, online and at the till.',
  Type.Object({ memberId: Type.String({ description: 'the customer (their token subject)' }), joinedAt: Type.String({ description: 'ISO instant' }) }),
);

export const PointsEarned = defineEvent(
  'PointsEarned',
  1,
  "A completed order earned its customer loyalty points (1 per yuan paid, after coupons, less any share refunded before it completed); the customer became a member on their first.",
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
  "A refund took back its share of an order's points: in all, an order's refunds take back floor(P × refunded / paid), P being the points its paid total earns, but never more than the member has left.",
  Type.Object({
    memberId: Type.String(),
    orderId: Type.String(),
    points: Type.Integer({ minimum: 1, description: 'points taken back by this refund' }),
    reason: Type.String({ description: "the refund's reason" }),
    ...After,
  }),
);

export const customerEvents = [MemberJoined, PointsEarned, PointsReversed];
