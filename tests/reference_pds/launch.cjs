// Starts the reference Bluesky PDS (bluesky-social/atproto, @atproto/pds) with a local DID
// directory (@did-plc/server, in-memory), creates two accounts, and prints one JSON line:
// {"url", "accounts": [{"handle", "did", "password"}, …]}. Runs until its stdin closes.
//
//   REFERENCE_PDS_DIR=/path/with/node_modules node tests/reference_pds/launch.cjs
//
// Install (once, outside the repository; better-sqlite3 builds against the system Node):
//   mkdir -p ~/pds && cd ~/pds && npm init -y &&
//   npm_config_nodedir=/usr npm install @atproto/pds @did-plc/server
"use strict";
const path = require("node:path");
const os = require("node:os");
const fs = require("node:fs");
const base = process.env.REFERENCE_PDS_DIR;
const need = (name) => require(require.resolve(name, { paths: [base] }));

async function main() {
  const pds = need("@atproto/pds");
  const plc = need("@did-plc/server");
  const { Secp256k1Keypair } = need("@atproto/crypto");
  const ui8 = need("uint8arrays");

  const plcServer = plc.PlcServer.create({ db: plc.Database.mock(), port: 0 });
  const plcHttp = await plcServer.start();
  const plcUrl = `http://localhost:${plcHttp.address().port}`;

  const rotation = await Secp256k1Keypair.create({ exportable: true });
  const data = fs.mkdtempSync(path.join(os.tmpdir(), "pds-"));
  const port = Number(process.env.PDS_PORT || 0) || 2583 + Math.floor(Math.random() * 1000);
  const env = {
    devMode: true,
    port,
    hostname: "localhost",
    dataDirectory: data,
    blobstoreDiskLocation: path.join(data, "blobs"),
    didPlcUrl: plcUrl,
    jwtSecret: "jwt-secret",
    adminPassword: "admin-pass",
    plcRotationKeyK256PrivateKeyHex: ui8.toString(await rotation.export(), "hex"),
    recoveryDidKey: (await Secp256k1Keypair.create()).did(),
    inviteRequired: false,
    disableSsrfProtection: true,
    serviceHandleDomains: [".test"],
    bskyAppViewUrl: "https://appview.invalid",
    bskyAppViewDid: "did:example:invalid",
    modServiceUrl: "https://moderator.invalid",
    modServiceDid: "did:example:invalid",
  };
  const server = await pds.PDS.create(pds.envToCfg(env), pds.envToSecrets(env));
  await server.start();
  const url = `http://localhost:${port}`;
  const accounts = [];
  for (const name of ["alice", "bob"]) {
    const password = `${name}-app-pass-1234`;
    const answer = await fetch(`${url}/xrpc/com.atproto.server.createAccount`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ email: `${name}@example.com`, handle: `${name}.test`, password }),
    });
    const created = await answer.json();
    if (!answer.ok) throw new Error(JSON.stringify(created));
    accounts.push({ handle: `${name}.test`, did: created.did, password });
  }
  process.stdout.write(JSON.stringify({ url, accounts }) + "\n");
  process.stdin.resume();
  process.stdin.on("end", async () => {
    await server.destroy();
    await plcServer.destroy();
    process.exit(0);
  });
}

main().catch((error) => {
  process.stderr.write(String((error && error.stack) || error) + "\n");
  process.exit(1);
});
