import { platformRoutes } from '@omnishop/kit';
import { CONSOLE_ROUTES } from './event-map-route.js';

/** The console's API routes, as the platform's API document lists them. */
export const CONSOLE_SERVICE = platformRoutes('console', "What the console at /console reads beyond the services' own APIs: the live event map", CONSOLE_ROUTES);
