/** The one look for "loading" (a polite status) and "failed" (an alert with the core's message and a retry). */
import type { IpcError } from '../ipc/client.js';

export function Loading({ children }: { children: string }) {
  return (
    <p className="notice notice-loading" role="status">
      <span className="spinner" aria-hidden="true" />
      {children}
    </p>
  );
}

export function ErrorNotice({ title, error, onRetry }: { title: string; error: IpcError; onRetry?: () => void }) {
  return (
    <div className="notice notice-error" role="alert">
      <p className="notice-title">{title}</p>
      <p>{error.message}</p>
      {onRetry && (
        <button type="button" className="button" onClick={onRetry}>
          Try again
        </button>
      )}
    </div>
  );
}
