export * from './api.js';
export * from './assets.js';
export * from './event-map.js';
export * from './event-map-route.js';
export * from './behaviour.js';
export * from './behaviour-route.js';
