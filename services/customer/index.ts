import { defineService } from '@omnishop/kit';
import type { CustomerTables } from './db.js';
import { onOrderCompleted, onOrderConfirmed, onPaymentRefunded } from './events/handlers.js';
import { customerEvents } from './contract.js';
import { migrations } from './migrations/index.js';
import { getMe, getMember, listMyPoints, putMe } from './routes/members.js';

export const customerService = defineService<CustomerTables>({
  name: 'customer',
  prefix: '/api/customers',
  description:
    "Members of a brand (a customer joins with their first completed order), their tier, and loyalty points: earned from completed orders (1 per yuan paid), and their refunded share reversed by each refund of the payment. Coupons are in the promotion service's wallet.",
  migrations,
  emits: customerEvents,
  routes: [getMe, putMe, listMyPoints, getMember],
  handlers: [onOrderConfirmed, onOrderCompleted, onPaymentRefunded],
});
