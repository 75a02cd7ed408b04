/** The newest `capacity` items, each new one overwriting the oldest: what a thread keeps of its recent spans and behaviour records. */
export class Ring<T> {
  private readonly items: (T | undefined)[];
  private next = 0;
  constructor(private readonly capacity: number) {
    this.items = new Array<T | undefined>(capacity);
  }
  push(item: T): void {
    this.items[this.next] = item;
    this.next = (this.next + 1) % this.capacity;
  }
  /** Every item kept, oldest first. */
  all(): T[] {
    return [...this.items.slice(this.next), ...this.items.slice(0, this.next)].filter((item): item is T => item !== undefined);
  }
}
