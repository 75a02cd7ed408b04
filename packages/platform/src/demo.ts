import type { PlatformConfig } from './config.js';
import { DEMO_CUSTOMER, fillDemoWallet } from './demo-promotions.js';
import { seedDemoUsers } from './demo-users.js';
import type { Platform } from './platform.js';
import { DEMO_TENANT, seedDemo } from './seed.js';

/** What a development start made for a new user to try the platform with. */
export interface Demo {
  /** Each demo username's user id (its token subject); empty when no gateway runs here. */
  users: Map<string, string>;
  /** The customer the banner prints a token for, with coupons in their wallet. */
  customer: string;
}

/** Whether this process's port answers for every one of `names`: it serves them, or forwards to them (a gateway with UPSTREAMS). */
export const reaches = (platform: Pick<Platform, 'reachable'>, ...names: string[]) => names.every((name) => platform.reachable.some((s) => s.name === name));

/**
 * Prepares the demo brand in a process that runs the services it needs: the
 * seed (catalogue, stores, stock, campaign), one user per role, and the demo
 * customer's coupons. Every step is idempotent, so a second start finds it done.
 */
export async function prepareDemo(platform: Platform, config: Pick<PlatformConfig, 'seed'>, progress: (line: string) => void): Promise<Demo> {
  if (!config.seed) return { users: new Map(), customer: DEMO_CUSTOMER };
  // The seed talks to store, catalog and inventory through this process's port, served here or forwarded by the gateway.
  if (reaches(platform, 'store', 'catalog', 'inventory')) {
    progress('seed: preparing the demo brand (first start only; /health/ready answers 503 until it is done)');
    if (await seedDemo(platform, progress)) progress('seed: demo brand seeded');
  } else {
    progress(
      `seed: not here: this process reaches only ${platform.reachable.map((s) => s.name).join(', ')}; the demo brand is seeded by the gateway process when its UPSTREAMS name store, catalog and inventory (npm run cluster does)`,
    );
  }
  const users = reaches(platform, 'gateway') ? await seedDemoUsers(platform) : new Map<string, string>();
  // The banner's customer is the one who signs in as "customer".
  const customer = users.get('customer') ?? DEMO_CUSTOMER;
  if (reaches(platform, 'promotion')) await fillDemoWallet(platform, DEMO_TENANT, customer);
  return { users, customer };
}
