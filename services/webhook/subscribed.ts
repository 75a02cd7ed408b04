/**
 * The brands with a subscription, as this process last read them. The fan-out passes over every
 * other brand's events before any unit of work (see EventHandler.wants): most brands subscribe to
 * nothing, and an event taken through a unit of work only to find no subscription cost about half
 * as much again as the order itself in the order bench. Read anew by a job every WEBHOOK_CHECK_MS
 * and told at once of a subscription made here, so one made through another replica is seen here
 * within a check; until the first read, every brand's events are taken.
 */
export class SubscribedBrands {
  private brands: Set<string> | undefined;

  has(tenant: string): boolean {
    return this.brands === undefined || this.brands.has(tenant);
  }

  /** A subscription of this brand was just made here. */
  add(tenant: string): void {
    this.brands?.add(tenant);
  }

  /** What the database says now. */
  replace(tenants: string[]): void {
    this.brands = new Set(tenants);
  }
}
