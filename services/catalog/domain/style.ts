import { err, ok, type Result } from '@omnishop/kit';
import type { SkuView } from '../views.js';

export interface Colour {
  code: string;
  name: string;
}

export interface StyleDraft {
  code: string;
  name: string;
  category: string;
  season?: string;
  price: number;
  currency: string;
  colours: Colour[];
  sizes: string[];
}

export type StyleRejection = { field: string; message: string };

/** A SKU code names its style, colour and size: `TS1001-BLK-M`. */
export const skuCode = (style: string, colour: string, size: string): string => `${style}-${colour}-${size}`;

function firstDuplicate(values: string[]): number {
  const seen = new Set<string>();
  return values.findIndex((v) => (seen.has(v) ? true : (seen.add(v), false)));
}

/** A style is sold as every colour in every size. */
export function skusOf(style: StyleDraft): Result<SkuView[], StyleRejection> {
  const dupColour = firstDuplicate(style.colours.map((c) => c.code));
  if (dupColour >= 0) return err({ field: `body.colours.${dupColour}.code`, message: 'repeats another colour' });
  const dupSize = firstDuplicate(style.sizes);
  if (dupSize >= 0) return err({ field: `body.sizes.${dupSize}`, message: 'repeats another size' });
  return ok(
    style.colours.flatMap((colour) =>
      style.sizes.map((size) => ({
        sku: skuCode(style.code, colour.code, size),
        style: style.code,
        colour: colour.code,
        colourName: colour.name,
        size,
        price: style.price,
        currency: style.currency,
      })),
    ),
  );
}
