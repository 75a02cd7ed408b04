import { platformRoutes } from '@omnishop/kit';
import { BEHAVIOUR_ROUTE } from './behaviour-route.js';
import { CONSOLE_ROUTES } from './event-map-route.js';

/** The console's API routes, as the platform's API document lists them. */
export const CONSOLE_SERVICE = platformRoutes('console', "What the console at /console reads beyond the services' own APIs: the live event map and the behaviour log", {
  ...CONSOLE_ROUTES,
  behaviour: BEHAVIOUR_ROUTE,
});
