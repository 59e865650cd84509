// Checks the extension without VS Code: the manifest and the language
// configuration are what VS Code reads, the client library is installed,
// and activate starts `promoc lsp` as the settings say. The vscode module
// and the client library are replaced by recording fakes (the real client
// needs VS Code's extension host). Run with `npm run check` after
// `npm install`; CI runs it (.ci/run).
"use strict";

const assert = require("node:assert/strict");
const fs = require("node:fs");
const path = require("node:path");
const Module = require("node:module");

const dir = path.join(__dirname, "..");
const manifest = JSON.parse(fs.readFileSync(path.join(dir, "package.json"), "utf8"));
const lang = manifest.contributes.languages.find((l) => l.id === "promo");
assert.ok(lang, "package.json contributes the promo language");
assert.deepEqual(lang.extensions, [".promo"]);
const config = JSON.parse(fs.readFileSync(path.join(dir, lang.configuration), "utf8"));
assert.equal(config.comments.lineComment, "//");
for (const pair of ["{}", "[]", "()"]) {
  assert.ok(config.brackets.some(([o, c]) => o + c === pair), `bracket ${pair}`);
  assert.ok(config.autoClosingPairs.some((p) => p.open + p.close === pair), `auto-closing ${pair}`);
}
assert.ok(config.autoClosingPairs.some((p) => p.open === '"'), "auto-closing quotes");
new RegExp(config.wordPattern);
new RegExp(config.indentationRules.increaseIndentPattern);
new RegExp(config.indentationRules.decreaseIndentPattern);

// The client library the extension loads is installed.
require.resolve("vscode-languageclient/node", { paths: [dir] });

// Fakes of vscode and of the client library, recording what activate does.
const settings = { "server.path": "/opt/promoc/bin/promoc", "server.log": "" };
const started = [];
let onConfig;
const fakes = {
  vscode: {
    workspace: {
      getConfiguration: (section) => {
        assert.equal(section, "promo");
        return { get: (key) => settings[key] };
      },
      onDidChangeConfiguration: (f) => {
        onConfig = f;
        return { dispose() {} };
      },
    },
  },
  "vscode-languageclient/node": {
    LanguageClient: class {
      constructor(id, name, server, client) {
        Object.assign(this, { id, name, server, client, running: false });
      }
      start() {
        this.running = true;
        started.push(this);
        return Promise.resolve();
      }
      stop() {
        this.running = false;
        return Promise.resolve();
      }
    },
  },
};
const load = Module._load;
Module._load = function (request, ...rest) {
  return request in fakes ? fakes[request] : load.call(this, request, ...rest);
};
const ext = require(path.join(dir, manifest.main));

(async () => {
  const context = { subscriptions: [] };
  await ext.activate(context);
  assert.equal(started.length, 1);
  const c = started[0];
  assert.deepEqual(c.server, { command: "/opt/promoc/bin/promoc", args: ["lsp"] });
  assert.deepEqual(c.client.documentSelector.map((s) => s.language), ["promo", "promo"]);

  // A change of the settings restarts the server with the new ones.
  settings["server.log"] = "/tmp/promoc.log";
  await onConfig({ affectsConfiguration: (s) => s === "promo.server" });
  assert.equal(c.running, false);
  assert.equal(started.length, 2);
  assert.deepEqual(started[1].server.args, ["lsp", "--log", "/tmp/promoc.log"]);

  await ext.deactivate();
  assert.equal(started[1].running, false);
  console.log("the promo extension checks");
})().catch((e) => {
  console.error(e);
  process.exit(1);
});
