/**
 * The orders module: a controller for POST /orders and the order store as a
 * provider. Injection names its tokens (@Inject): the bench runs TypeScript
 * through esbuild (tsx), which emits no decorator metadata for Nest to read
 * constructor and body types from.
 */
import { Body, Controller, HttpCode, Inject, Module, Post, Res, UnprocessableEntityException, ValidationPipe, type OnApplicationShutdown } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { openOrderStore, PEER_CUSTOMER, UnknownSku, type OrderStore, type OrderView } from '../order-store.js';
import { PlaceOrderDto } from './place-order.dto.js';

export const ORDER_STORE = Symbol('OrderStore');

const validation = new ValidationPipe({ expectedType: PlaceOrderDto, whitelist: true, forbidNonWhitelisted: true, transform: true });

@Controller('orders')
export class OrdersController {
  constructor(@Inject(ORDER_STORE) private readonly orders: OrderStore) {}

  @Post()
  @HttpCode(201)
  async place(@Body(validation) body: PlaceOrderDto, @Res({ passthrough: true }) reply: FastifyReply): Promise<OrderView> {
    try {
      const order = await this.orders.place(PEER_CUSTOMER, body);
      reply.header('location', `/orders/${order.id}`);
      return order;
    } catch (error) {
      if (error instanceof UnknownSku) throw new UnprocessableEntityException(`lines.${error.index}.sku: no such SKU`);
      throw error;
    }
  }
}

@Module({
  controllers: [OrdersController],
  providers: [{ provide: ORDER_STORE, useFactory: () => openOrderStore() }],
})
export class OrdersModule implements OnApplicationShutdown {
  constructor(@Inject(ORDER_STORE) private readonly orders: OrderStore) {}

  async onApplicationShutdown(): Promise<void> {
    await this.orders.close();
  }
}
