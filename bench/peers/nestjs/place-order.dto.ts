/**
 * The body of POST /orders as class-validator DTOs: the platform's schema
 * (services/order/routes/orders.ts placeOrder) rule for rule. Unknown
 * properties are refused by the pipe (forbidNonWhitelisted).
 */
import { Type } from 'class-transformer';
import { ArrayMaxSize, ArrayMinSize, ArrayUnique, IsArray, IsIn, IsInt, IsOptional, IsString, Length, Matches, Max, Min, ValidateNested } from 'class-validator';

export class OrderLineDto {
  @IsString()
  @Length(3, 100)
  @Matches(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/)
  sku!: string;

  @IsInt()
  @Min(1)
  @Max(999)
  qty!: number;
}

export class PlaceOrderDto {
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(50)
  @ValidateNested({ each: true })
  @Type(() => OrderLineDto)
  lines!: OrderLineDto[];

  @IsOptional()
  @IsArray()
  @ArrayMaxSize(10)
  @ArrayUnique()
  @Matches(/^[2-9A-HJ-NP-Z]{12}$/, { each: true })
  coupons?: string[];

  @IsOptional()
  @IsIn(['online', 'app', 'marketplace'])
  channel?: string;
}
