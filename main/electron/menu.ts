/**
 * The application menu: editing and zoom for everyone, reload and developer tools only in development
 * builds (a packaged CareTwin cannot open devtools at all: `devTools: false` in the window).
 */
import { Menu, type MenuItemConstructorOptions } from 'electron';

export function buildApplicationMenu(opts: { isMac: boolean; development: boolean }): Menu {
  const view: MenuItemConstructorOptions[] = [
    { role: 'resetZoom' },
    { role: 'zoomIn' },
    { role: 'zoomOut' },
    { type: 'separator' },
    { role: 'togglefullscreen' },
  ];
  if (opts.development) view.unshift({ role: 'reload' }, { role: 'toggleDevTools' }, { type: 'separator' });

  const template: MenuItemConstructorOptions[] = [
    ...(opts.isMac ? [{ role: 'appMenu' } satisfies MenuItemConstructorOptions] : []),
    { role: 'fileMenu' },
    { role: 'editMenu' },
    { label: 'View', submenu: view },
    { role: 'windowMenu' },
  ];
  return Menu.buildFromTemplate(template);
}
