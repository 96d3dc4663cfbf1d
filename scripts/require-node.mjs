// Fails fast with a fix when the tests are run on a Node older than the project needs.
const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 22 || (major === 22 && minor < 12)) {
  console.error(
    `IronCurtain needs Node >= 22.12 (this is ${process.versions.node}). Run ./scripts/setup, which installs ` +
      'Node 24 into .tools/node, then use ./scripts/test (or put .tools/node/bin first on PATH).',
  );
  process.exit(1);
}
