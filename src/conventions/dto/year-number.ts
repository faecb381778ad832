import { registerDecorator, type ValidationArguments } from 'class-validator';

export const MIN_YEAR = 2000;
export const MAX_YEAR = 2100;

/** A funding year: an integer between MIN_YEAR and MAX_YEAR (one message whatever is wrong). */
export function IsYear(): PropertyDecorator {
  return (target: object, key: string | symbol) =>
    registerDecorator({
      name: 'isYear',
      target: target.constructor,
      propertyName: String(key),
      validator: {
        validate: (value: unknown) => typeof value === 'number' && Number.isInteger(value) && value >= MIN_YEAR && value <= MAX_YEAR,
        defaultMessage: (args?: ValidationArguments) => `${args?.property} must be a year between ${MIN_YEAR} and ${MAX_YEAR}`,
      },
    });
}
