import { Type } from '@sinclair/typebox';
import type { Role } from '@omnishop/kit';

export const OrderId = Type.String({ minLength: 1, maxLength: 64, pattern: '^[\\w.:-]+$', description: 'the order the payment is for' });
export const IntentId = Type.String({ format: 'uuid', description: 'the payment intent' });
/** A payment is of something: at least one fen, at most one million yuan (the kit's Money bound). */
export const Amount = Type.Integer({ minimum: 1, maximum: 100_000_000, description: 'minor units (fen)' });

/** Who follows or cancels a payment: the customer at the web checkout, and staff. */
export const PAYERS: Role[] = ['customer', 'clerk', 'store_manager', 'brand_admin'];
export const READERS: Role[] = [...PAYERS, 'operator'];
export const REFUNDERS: Role[] = ['store_manager', 'brand_admin'];
