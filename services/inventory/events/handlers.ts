import { SkuCreated } from '@omnishop/catalog/contract';
import { OrderCancelled, OrderCompleted, OrderConfirmed, OrderPlaced, OrderRejected, OrderReturned } from '@omnishop/order/contract';
import { commitForOrder, holdForOrder, knowSku, receiveReturn, releaseForOrder, sellForOrder } from '../commands.js';
import { on } from '../db.js';

export const onSkuCreated = on(SkuCreated, (event, tx) => knowSku(tx, event.tenant, event.data.sku));

/** Holds stock for every line of a new order, all or nothing; a till sale's at its store only. */
export const reserveForOrder = (ttlSeconds: number) => on(OrderPlaced, (event, tx) => holdForOrder(tx, event.tenant, event.data, ttlSeconds));

export const onOrderConfirmed = on(OrderConfirmed, (event, tx) => commitForOrder(tx, event.tenant, event.data.orderId));

export const onOrderCancelled = on(OrderCancelled, (event, tx) => releaseForOrder(tx, event.tenant, event.data.orderId));

/** Rejected after its stock was held (a coupon refused, say): the stock goes back. */
export const onOrderRejected = on(OrderRejected, (event, tx) => releaseForOrder(tx, event.tenant, event.data.orderId));

export const onOrderReturned = on(OrderReturned, (event, tx) => receiveReturn(tx, event.tenant, event.data));

export const onOrderCompleted = on(OrderCompleted, (event, tx) => sellForOrder(tx, event.tenant, event.data.orderId));
