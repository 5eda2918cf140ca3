import { useEffect, useState } from 'react';

/** The current time, updated every `everyMs`, so "3 hr. ago" does not go stale on an open screen. */
export function useNow(everyMs: number): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), everyMs);
    return () => clearInterval(timer);
  }, [everyMs]);
  return now;
}
