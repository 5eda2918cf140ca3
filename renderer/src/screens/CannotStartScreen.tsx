/** Full-page errors for when the window cannot reach CareTwin's core at all. */
export interface CannotStartProps {
  readonly message: string;
  readonly onRetry?: () => void;
}

export function CannotStartScreen({ message, onRetry }: CannotStartProps) {
  return (
    <main className="page page-center">
      <div className="card" role="alert">
        <h1>CareTwin cannot start</h1>
        <p>{message}</p>
        {onRetry && (
          <button type="button" className="button button-primary" onClick={onRetry}>
            Try again
          </button>
        )}
      </div>
    </main>
  );
}

export const MISSING_BRIDGE_MESSAGE =
  "CareTwin's connection to its core is missing. Open CareTwin from the desktop app, or open the exact address that " +
  '"caretwin serve" printed (it carries the access token); opening the page file directly does not work.';
