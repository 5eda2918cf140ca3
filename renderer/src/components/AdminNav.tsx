/**
 * The care team's screens besides the panel: the audit log (care team), accounts (admins) and settings. Their hash
 * routes (`#/audit`, `#/accounts`, `#/settings`) live here, apart from the panel's and patients' (route.ts); the
 * header shows only the links the signed-in role may use.
 */
import { useSyncExternalStore } from 'react';
import type { SessionStatus } from '../../../shared/ipc/contract.js';
import './admin.css';

export type AdminRoute = 'audit' | 'accounts' | 'settings';

const ROUTES: Readonly<Record<string, AdminRoute>> = { '#/audit': 'audit', '#/accounts': 'accounts', '#/settings': 'settings' };

export function parseAdminRoute(hash: string): AdminRoute | null {
  return ROUTES[hash.replace(/\/$/, '')] ?? null;
}

function subscribe(onChange: () => void): () => void {
  window.addEventListener('hashchange', onChange);
  return () => window.removeEventListener('hashchange', onChange);
}

/** The admin route the hash names, or null (then the workspace routes apply). */
export function useAdminRoute(): AdminRoute | null {
  return parseAdminRoute(useSyncExternalStore(subscribe, () => window.location.hash));
}

const LINKS: readonly { route: AdminRoute | 'panel'; href: string; label: string; adminOnly: boolean }[] = [
  { route: 'panel', href: '#/', label: 'Patients', adminOnly: false },
  { route: 'audit', href: '#/audit', label: 'Audit log', adminOnly: false },
  { route: 'accounts', href: '#/accounts', label: 'Accounts', adminOnly: true },
  { route: 'settings', href: '#/settings', label: 'Settings', adminOnly: false },
];

/** Whether the signed-in account is on the care team (the audit view and settings are theirs). */
export function isCareTeam(status: SessionStatus | undefined): boolean {
  return status?.state === 'unlocked' && status.account?.role !== 'patient';
}

export function isAdmin(status: SessionStatus | undefined): boolean {
  // Before accounts, the store's own passcode is the owner, an admin (status.account says so).
  return status?.state === 'unlocked' && status.account?.role === 'admin';
}

export function AdminNav({ status }: { status: SessionStatus | undefined }) {
  const current = useAdminRoute();
  if (!isCareTeam(status)) return null;
  const admin = isAdmin(status);
  return (
    <nav className="header-nav" aria-label="Sections">
      <ul>
        {LINKS.filter((l) => admin || !l.adminOnly).map((l) => {
          const active = l.route === 'panel' ? current === null : current === l.route;
          return (
            <li key={l.route}>
              <a href={l.href} aria-current={active ? 'page' : undefined}>
                {l.label}
              </a>
            </li>
          );
        })}
      </ul>
    </nav>
  );
}
