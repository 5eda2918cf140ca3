/** The bar on every screen: the product, whether the store is demo-only, which store is open, and Lock. */
import type { SessionStatus } from '../../../shared/ipc/contract.js';
import { ThemeToggle } from './ThemeToggle.js';
import { AdminNav } from './AdminNav.js';

export interface HeaderBarProps {
  readonly status: SessionStatus | undefined;
  readonly locking: boolean;
  readonly onLock: () => void;
}

export function HeaderBar({ status, locking, onLock }: HeaderBarProps) {
  return (
    <header className="header-bar">
      <div className="header-brand">
        <span className="product-name">CareTwin</span>
        {status?.demo && <span className="tag tag-demo tag-strong">DEMO</span>}
      </div>
      <AdminNav status={status} />
      {status && (
        <p className="header-store">
          Store: <span className="path">{status.dataDir}</span>
        </p>
      )}
      <ThemeToggle />
      {status?.state === 'unlocked' && (
        <button type="button" className="button button-quiet" onClick={onLock} disabled={locking}>
          {locking ? 'Locking…' : 'Lock'}
        </button>
      )}
    </header>
  );
}
