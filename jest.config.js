// One jest project per test surface (docs/CONTRIBUTING.md, "Layout"): unit (pure logic), component
// (Pulumi runtime mocks), integration (provider hooks and client against an in-process local grid),
// e2e (the real `pulumi` CLI against a local grid process). `npm test` runs them all.
const tsJest = ["ts-jest", { tsconfig: "tsconfig.test.json" }];
const project = (name, extra = {}) => ({
  displayName: name,
  testEnvironment: "node",
  testMatch: [`<rootDir>/tests/${name}/**/*.test.ts`],
  transform: { "^.+\\.ts$": tsJest },
  ...extra,
});

module.exports = {
  projects: [project("unit"), project("component"), project("integration"), project("e2e")],
  // A root-level option (jest ignores it per project). e2e tests pass their own per-test timeouts.
  testTimeout: 120000,
};
