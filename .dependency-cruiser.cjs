// Boundaries between the rooms of src/ (see README "Layout"), checked on the TypeScript sources
// (parsed with swc: typescript 7 has no JS API) and on tsc's output in dist/src/ (where type-only
// imports are gone). Run by `npm run lint`, which `npm test` runs after the build; test/e2e/boundaries.test.ts shows each rule failing on a tree that breaks it.
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-cycles',
      severity: 'error',
      comment: 'An import cycle means two rooms own one thing: give it to one of them.',
      from: { path: '^(dist/)?src/' },
      to: { circular: true },
    },
    {
      name: 'audit-is-pure',
      severity: 'error',
      comment: 'Judging takes facts and returns findings: no sockets, no rendering, no command line.',
      from: { path: '^(dist/)?src/audit/' },
      to: { path: '^(dist/)?src/(snmp|report|cli|scan)/' },
    },
    {
      name: 'only-snmp-imports-net-snmp',
      severity: 'error',
      comment: 'src/snmp/ is the one door to net-snmp (tools/ may use it for the simulator).',
      from: { path: '^(dist/)?src/', pathNot: '^(dist/)?src/snmp/' },
      to: { path: 'net-snmp' },
    },
    {
      name: 'report-takes-types',
      severity: 'error',
      comment:
        'report/ renders what audit/ and changes/ decided: it imports their types only, and their two ' +
        'vocabularies (audit/finding.ts and changes/change-kinds.ts: tuples that are both a type and its order).',
      // Checked on tsc's output (dist/src/), where imports used only as types are gone.
      from: { path: '^dist/src/report/' },
      to: { path: '^dist/src/(audit|changes)/', pathNot: '^dist/src/(audit/finding|changes/change-kinds)[.]js$' },
    },
    {
      name: 'report-is-no-io-room',
      severity: 'error',
      comment: 'report/ neither polls nor parses arguments.',
      from: { path: '^(dist/)?src/report/' },
      to: { path: '^(dist/)?src/(snmp|cli|scan|poll/poll-unit)' },
    },
    {
      name: 'product-stands-alone',
      severity: 'error',
      comment: 'tools/, bench/ and test/ may import src/, never the reverse.',
      from: { path: '^(dist/)?src/' },
      to: { path: '^(dist/)?(tools|bench|test)/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    parser: 'swc',
    tsPreCompilationDeps: true,

    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default'] },
  },
};
