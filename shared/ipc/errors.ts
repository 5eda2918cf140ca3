/** Error codes that cross the IPC boundary. Messages are for people: what happened, what to do; never PHI or stacks. */
export const ERROR_CODES = [
  'VALIDATION',
  'UNKNOWN_METHOD',
  'LOCKED',
  'FORBIDDEN',
  'NOT_FOUND',
  'BAD_PASSCODE',
  'CONFLICT',
  'TAMPERED',
  'STORE_UNAVAILABLE',
  'INTERNAL',
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

export interface IpcErrorPayload {
  readonly code: ErrorCode;
  readonly message: string;
}

/** Thrown by core services with a code and a message that is safe to show (no PHI). */
export class AppError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'AppError';
  }
}

export function isIpcErrorPayload(v: unknown): v is IpcErrorPayload {
  return (
    typeof v === 'object' &&
    v !== null &&
    typeof (v as IpcErrorPayload).code === 'string' &&
    (ERROR_CODES as readonly string[]).includes((v as IpcErrorPayload).code) &&
    typeof (v as IpcErrorPayload).message === 'string'
  );
}
