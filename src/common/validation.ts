import { ValidationPipe, type ValidationError } from '@nestjs/common';
import { problem, ProblemException } from './problem';

function flatten(errors: ValidationError[], parent = ''): Array<{ field: string; message: string }> {
  return errors.flatMap((e) => {
    const field = parent ? (/^\d+$/.test(e.property) ? `${parent}[${e.property}]` : `${parent}.${e.property}`) : e.property;
    const own = Object.values(e.constraints ?? {}).map((message) => ({
      field,
      message: message.startsWith('property ') ? `unknown field "${field}" is not allowed` : message,
    }));
    return [...own, ...flatten(e.children ?? [], field)];
  });
}

/** The global pipe: whitelist, reject unknown fields, transform; a 400 problem lists every bad field. */
export function validationPipe(): ValidationPipe {
  return new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    forbidUnknownValues: true,
    stopAtFirstError: false,
    exceptionFactory: (errors) => {
      const list = flatten(errors);
      return new ProblemException(
        problem(400, 'validation', `The request is invalid: ${list.map((e) => e.field).filter((f, i, a) => a.indexOf(f) === i).join(', ')}.`, { errors: list }),
      );
    },
  });
}
