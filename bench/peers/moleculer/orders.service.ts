/**
 * The orders service: one action, `orders.place`, its parameters checked by
 * Moleculer's built-in validator (fastest-validator), rule for rule the
 * platform's schema (services/order/routes/orders.ts placeOrder); `$$strict`
 * refuses unknown properties.
 */
import { Errors, type Context, type ServiceSchema, type ServiceSettingSchema } from 'moleculer';
import { openOrderStore, PEER_CUSTOMER, UnknownSku, type OrderInput, type OrderStore, type OrderView } from '../order-store.js';

interface Meta {
  $statusCode?: number;
  $responseHeaders?: Record<string, string>;
}

/** What the service keeps on itself (`this.store`), opened when it starts. */
export interface OrdersVars {
  store: OrderStore;
}

export const ordersService: ServiceSchema<ServiceSettingSchema, Record<string, never>, OrdersVars> = {
  name: 'orders',
  actions: {
    place: {
      params: {
        $$strict: true,
        lines: {
          type: 'array',
          min: 1,
          max: 50,
          items: {
            type: 'object',
            strict: true,
            props: {
              sku: { type: 'string', min: 3, max: 100, pattern: /^[A-Za-z0-9][A-Za-z0-9_.-]*$/ },
              qty: { type: 'number', integer: true, min: 1, max: 999 },
            },
          },
        },
        coupons: { type: 'array', optional: true, max: 10, unique: true, items: { type: 'string', pattern: /^[2-9A-HJ-NP-Z]{12}$/ } },
        channel: { type: 'enum', optional: true, values: ['online', 'app', 'marketplace'] },
      },
      async handler(ctx: Context<OrderInput, Meta>): Promise<OrderView> {
        try {
          const order = await this.store.place(PEER_CUSTOMER, ctx.params);
          ctx.meta.$statusCode = 201;
          ctx.meta.$responseHeaders = { location: `/orders/${order.id}` };
          return order;
        } catch (error) {
          if (error instanceof UnknownSku) throw new Errors.MoleculerClientError('no such SKU', 422, 'UNKNOWN_SKU', { field: `lines.${error.index}.sku` });
          throw error;
        }
      },
    },
  },
  async started() {
    this.store = await openOrderStore();
  },
  async stopped() {
    await this.store.close();
  },
};
