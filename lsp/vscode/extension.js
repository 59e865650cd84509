// The promo extension: a client of `promoc lsp`, which gives everything
// (diagnostics, hover, completion, definition, references, rename,
// outline, formatting, quick fixes and the semantic tokens that colour the
// code). No grammar is needed.
"use strict";

const vscode = require("vscode");
const { LanguageClient } = require("vscode-languageclient/node");

let client;

// serverOptions runs `promoc lsp` as the promo.server settings say.
function serverOptions(config) {
  const command = config.get("server.path") || "promoc";
  const args = ["lsp"];
  const log = config.get("server.log");
  if (log) args.push("--log", log);
  return { command, args };
}

function start() {
  const config = vscode.workspace.getConfiguration("promo");
  client = new LanguageClient("promo", "promo (promoc lsp)", serverOptions(config), {
    documentSelector: [
      { scheme: "file", language: "promo" },
      { scheme: "untitled", language: "promo" },
    ],
  });
  return client.start();
}

async function restart() {
  if (client) await client.stop();
  await start();
}

function activate(context) {
  context.subscriptions.push(
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration("promo.server")) return restart();
    }),
  );
  return start();
}

function deactivate() {
  return client ? client.stop() : undefined;
}

module.exports = { activate, deactivate, serverOptions };
