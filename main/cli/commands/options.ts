import { AppError } from '../../../shared/ipc/errors.js';

/** A whole number option within bounds, or its default; a clear error otherwise. */
export function intOption(value: string | boolean | undefined, name: string, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback;
  const n = typeof value === 'string' && /^-?\d+$/.test(value) ? Number(value) : NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max) {
    throw new AppError('VALIDATION', `--${name} takes a whole number from ${min} to ${max}.`);
  }
  return n;
}
