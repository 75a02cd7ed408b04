import { defineService } from '@omnishop/kit';
import type { CustomerTables } from './db.js';
import { onOrderCompleted, onOrderPlaced } from './events/handlers.js';
import { customerEvents } from './events/index.js';
import { migrations } from './migrations/index.js';
import { getMe, getMember, listMyPoints, putMe, reversePoints } from './routes/members.js';

export const customerService = defineService<CustomerTables>({
  name: 'customer',
  prefix: '/api/customers',
  description:
    "Members of a brand (a customer joins with their first completed order), their tier, and loyalty points: earned from completed orders, reversed by refunds. Coupons are in the promotion service's wallet.",
  migrations,
  emits: customerEvents,
  routes: [getMe, putMe, listMyPoints, getMember, reversePoints],
  handlers: [onOrderPlaced, onOrderCompleted],
});
