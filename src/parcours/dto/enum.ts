import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional } from 'class-validator';

/** A required value of a closed list (the contract's constants), validated and documented. */
export function OneOf(values: readonly (string | number)[], doc: { example?: string | number; description?: string } = {}): PropertyDecorator {
  return applyDecorators(ApiProperty({ enum: [...values], ...doc }), IsIn([...values]));
}

/** An optional value of a closed list. */
export function OptionalOneOf(values: readonly (string | number)[], doc: { example?: string | number; description?: string } = {}): PropertyDecorator {
  return applyDecorators(ApiPropertyOptional({ enum: [...values], ...doc }), IsOptional(), IsIn([...values]));
}
