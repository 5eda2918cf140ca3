/**
 * The layering of ../shared/ARCHITECTURE.md ("folder = layer"), enforced as errors.
 * Tests live inside their layer and follow the same rules, except that they may use Node to read fixtures.
 */

module.exports = {
  forbidden: [
    {
      name: 'shared-is-pure',
      comment: 'shared/ runs anywhere: no Node, no Electron, nothing from main/ or renderer/',
      severity: 'error',
      from: { path: '^shared/', pathNot: '\\.test\\.ts$' },
      to: { path: ['^main/', '^renderer/', '^node_modules/electron/'], dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'shared-no-node-builtins',
      severity: 'error',
      from: { path: '^shared/', pathNot: '\\.test\\.ts$' },
      to: { dependencyTypes: ['core'] },
    },
    {
      name: 'shared-pure-libraries-only',
      comment: 'shared/ may use pure libraries only: zod, rxjs, date-fns',
      severity: 'error',
      from: { path: '^shared/', pathNot: '\\.test\\.ts$' },
      to: { path: '^node_modules/', pathNot: '^node_modules/(zod|rxjs|date-fns)/' },
    },
    {
      name: 'core-no-electron-or-hosts',
      severity: 'error',
      from: { path: '^main/core/' },
      to: { path: ['^node_modules/electron/', '^main/(electron|headless|ipc|cli|preload)/', '^renderer/'] },
    },
    {
      name: 'ipc-no-electron',
      severity: 'error',
      from: { path: '^main/ipc/' },
      to: { path: ['^node_modules/electron/', '^main/(electron|headless|cli|preload)/', '^renderer/'] },
    },
    {
      name: 'electron-main-layer',
      severity: 'error',
      from: { path: '^main/electron/' },
      to: { path: ['^main/(headless|cli|preload)/', '^renderer/'] },
    },
    {
      name: 'preload-minimal',
      comment: 'the sandboxed preload imports electron and shared/ipc constants only',
      severity: 'error',
      from: { path: '^main/preload/', pathNot: '\\.test\\.ts$' },
      to: { pathNot: ['^node_modules/electron/', '^shared/ipc/bridge\\.ts$', '^main/preload/'] },
    },
    {
      name: 'headless-no-electron',
      severity: 'error',
      from: { path: '^main/headless/' },
      to: { path: ['^node_modules/electron/', '^main/(electron|cli|preload)/', '^renderer/'] },
    },
    {
      name: 'browser-bridge-browser-only',
      severity: 'error',
      from: { path: '^main/headless/browser/' },
      to: { pathNot: ['^main/headless/browser/', '^shared/ipc/'] },
    },
    {
      name: 'cli-layer',
      comment: 'the CLI uses the core; only its serve command composes the IPC router and the web host',
      severity: 'error',
      from: { path: '^main/cli/', pathNot: '^main/cli/commands/serve\\.ts$' },
      to: { path: ['^node_modules/electron/', '^main/(electron|headless|ipc|preload)/', '^renderer/'] },
    },
    {
      name: 'cli-serve',
      severity: 'error',
      from: { path: '^main/cli/commands/serve\\.ts$' },
      to: { path: ['^node_modules/electron/', '^main/(electron|preload)/', '^main/headless/browser/', '^renderer/'] },
    },
    {
      name: 'renderer-is-browser',
      severity: 'error',
      from: { path: '^renderer/', pathNot: '\\.test\\.tsx?$|vite\\.config\\.ts$' },
      to: { path: ['^main/', '^node_modules/electron/'] },
    },
    {
      name: 'renderer-no-node',
      severity: 'error',
      from: { path: '^renderer/', pathNot: '\\.test\\.tsx?$|vite\\.config\\.ts$' },
      to: { dependencyTypes: ['core'] },
    },
    {
      name: 'nothing-imports-scripts',
      severity: 'error',
      comment: 'app code never imports tooling; tests may start tooling such as the test EHR',
      from: { pathNot: ['^(scripts|e2e)/', '\\.test\\.ts$'] },
      to: { path: '^scripts/' },
    },
    {
      name: 'no-circular',
      severity: 'error',
      from: {},
      to: { circular: true, viaOnly: { dependencyTypesNot: ['type-only'] } },
    },
    {
      name: 'not-to-unresolvable',
      severity: 'error',
      from: {},
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(dist|release|test-results)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.base.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default', 'types'], extensions: ['.ts', '.tsx', '.js', '.mjs', '.cjs', '.json'] },
    extraExtensionsToScan: ['.mjs', '.cjs'],
  },
};
