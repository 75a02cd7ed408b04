import { Type } from '@sinclair/typebox';
import { defineEvent } from '@omnishop/kit';

export const SkuCreated = defineEvent(
  'SkuCreated',
  1,
  'A sellable SKU (one colour and size of a style) was added to the catalogue, with its price.',
  Type.Object({
    sku: Type.String(),
    style: Type.String(),
    name: Type.String(),
    colour: Type.String(),
    size: Type.String(),
    price: Type.Integer({ description: 'minor units (fen)' }),
    currency: Type.String(),
  }),
);

export const SkuPriceChanged = defineEvent(
  'SkuPriceChanged',
  1,
  'The price of a SKU changed; orders placed from now on use it.',
  Type.Object({ sku: Type.String(), price: Type.Integer(), currency: Type.String() }),
);

export const catalogEvents = [SkuCreated, SkuPriceChanged];
