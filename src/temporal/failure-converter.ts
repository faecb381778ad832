/**
 * The failure converter of every process and of the workflow sandbox (loaded by path: the bundler and
 * `failureConverterPath` need a module). Failure messages and stack traces go into an encoded payload, so the
 * encryption codec covers them too: a message may quote what a staff member typed.
 */
import { DefaultFailureConverter } from '@temporalio/common';

export const failureConverter = new DefaultFailureConverter({ encodeCommonAttributes: true });
