import { chromium, type Browser, type Page } from 'playwright-core';

const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

/** Debian's headless Chromium, driven by playwright-core (no browser download). */
export const launchChromium = (): Promise<Browser> => chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: CHROMIUM_ARGS });

/**
 * A fresh tab of the console at `base`, signed in through its form (a browser asking for `/` is sent to
 * /console/); every console error the tab logs goes to `errors`.
 */
export async function consoleSignedIn(browser: Browser, base: string, user: { tenant: string; username: string; password: string }, errors: string[]): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  page.on('console', (m) => m.type() === 'error' && errors.push(`${user.username}: ${m.text()}`));
  page.on('pageerror', (e) => errors.push(`${user.username}: ${String(e)}`));
  await page.goto(`${base}/`);
  if (new URL(page.url()).pathname !== '/console/') throw new Error(`/ sent the browser to ${page.url()}, not /console/`);
  await page.getByLabel('Brand').fill(user.tenant);
  await page.getByLabel('Username').fill(user.username);
  await page.getByLabel('Password').fill(user.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.locator('header .who').waitFor();
  return page;
}
