import { Type } from '@sinclair/typebox';
import { SkuCode, type Role } from '@omnishop/kit';
import { CODE_PATTERN } from '../domain/coupon.js';

/** Route schema pieces the promotion routes share; the kit's (Code, Name, Money, ...) are used as they are. */

export const CouponCode = Type.String({ pattern: CODE_PATTERN, description: 'coupon code: 12 characters of 2-9 and A-Z without I and O' });

/** A customer is named by their token subject: printable, no spaces. */
export const CustomerId = Type.String({ minLength: 1, maxLength: 128, pattern: '^[\\x21-\\x7e]+$', description: 'the customer (their token subject)' });

export const OrderId = Type.String({ minLength: 1, maxLength: 64, pattern: '^[\\w.:-]+$', description: 'the order the coupon is used for' });

/** The kit's Money tops out at one million yuan, enough for a price but not for a brand's campaign. */
export const Budget = Type.Integer({ minimum: 0, maximum: 1_000_000_000_000, description: 'minor units (fen)' });

export const CartLines = Type.Array(
  Type.Object({ sku: SkuCode, qty: Type.Integer({ minimum: 1, maximum: 999 }) }, { additionalProperties: false }),
  { minItems: 1, maxItems: 50 },
);

export const STAFF: Role[] = ['clerk', 'store_manager', 'brand_admin', 'operator'];
/** Who sells: the till (clerk, store manager), the brand, and the customer at the web checkout. */
export const SELLERS: Role[] = ['customer', 'clerk', 'store_manager', 'brand_admin'];
