import { useSyncExternalStore } from 'react';
import { parseRoute, routeHref, type Route } from './route.js';

function subscribe(onChange: () => void): () => void {
  window.addEventListener('hashchange', onChange);
  return () => window.removeEventListener('hashchange', onChange);
}

const readHash = (): string => window.location.hash;

/** The current hash route; follows the back and forward buttons. */
export function useHashRoute(): Route {
  return parseRoute(useSyncExternalStore(subscribe, readHash));
}

export function navigate(route: Route): void {
  window.location.hash = routeHref(route);
}
