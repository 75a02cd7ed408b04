import { catalogEvents } from '@omnishop/catalog/contract';
import { customerEvents } from '@omnishop/customer/contract';
import { fulfilmentEvents } from '@omnishop/fulfilment/contract';
import { inventoryEvents } from '@omnishop/inventory/contract';
import { orderEvents } from '@omnishop/order/contract';
import { paymentEvents } from '@omnishop/payment/contract';
import { promotionEvents } from '@omnishop/promotion/contract';
import { storeEvents } from '@omnishop/store/contract';
import type { EventDefinition, EventEnvelope } from '@omnishop/kit';
import { fanOut } from '../commands.js';
import { on } from '../db.js';
import type { SubscribedBrands } from '../subscribed.js';

/** The brand's business events a subscription may take: every service's, as their contracts declare them. */
export const subscribableEvents: EventDefinition[] = [
  ...catalogEvents,
  ...storeEvents,
  ...inventoryEvents,
  ...orderEvents,
  ...promotionEvents,
  ...customerEvents,
  ...paymentEvents,
  ...fulfilmentEvents,
];

/**
 * Each event becomes a delivery to each subscription of its brand that takes it, in the event's commit: none is lost or doubled.
 * Events of brands without a subscription are passed over before any unit of work (see SubscribedBrands).
 */
export const fanOutHandlers = (subscribed: SubscribedBrands) =>
  subscribableEvents.map((event) => ({
    ...on(event, async (envelope, tx) => void (await fanOut(tx, envelope))),
    wants: (envelope: EventEnvelope) => subscribed.has(envelope.tenant),
  }));
