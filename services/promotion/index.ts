import { defineService } from '@omnishop/kit';
import type { PromotionTables } from './db.js';
import { onOrderCancelled, onOrderPlaced, onOrderRejected, onSkuCreated, onSkuPriceChanged } from './events/handlers.js';
import { promotionEvents } from './contract.js';
import { migrations } from './migrations/index.js';
import { createCampaign, createTemplate, getCampaign } from './routes/campaigns.js';
import { priceCart } from './routes/cart.js';
import { issueCoupon, listWallet, redeemCoupon } from './routes/coupons.js';

export const promotionService = defineService<PromotionTables>({
  name: 'promotion',
  prefix: '/api/promotions',
  description:
    "Campaigns with a budget and a time window; coupon templates; coupons in customers' wallets; one cart pricing for the web checkout and the till; single-use redemption, undone when the order is cancelled.",
  migrations,
  emits: promotionEvents,
  routes: [createCampaign, getCampaign, createTemplate, issueCoupon, listWallet, priceCart, redeemCoupon],
  handlers: [onSkuCreated, onSkuPriceChanged, onOrderPlaced, onOrderCancelled, onOrderRejected],
});
