// Cart pricing shared by the services that price a cart: promotion (the price of coupons) and order (the price of lines).
export * from './pricing.js';
export * from './terms.js';
