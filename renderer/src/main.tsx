/** Entry: finds the host's bridge (Electron preload or the web host's script) and starts the app, or says why it cannot. */
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App.js';
import { createClient, findBridge } from './ipc/client.js';
import { CannotStartScreen, MISSING_BRIDGE_MESSAGE } from './screens/CannotStartScreen.js';
import './styles.css';
import { applyThemeChoice } from './theme.js';

// The user's theme before the first paint, so a dark choice does not flash light.
applyThemeChoice();
const container = document.getElementById('root');
if (!container) throw new Error('index.html has no #root');
const bridge = findBridge();

createRoot(container).render(
  <StrictMode>{bridge ? <App client={createClient(bridge)} /> : <CannotStartScreen message={MISSING_BRIDGE_MESSAGE} />}</StrictMode>,
);
