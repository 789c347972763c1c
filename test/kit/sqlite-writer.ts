// A second process writing to a depot database while a backup runs: each transaction inserts the same ids into
// zz_a and zz_b, so any transactionally consistent snapshot has equal counts in both. Prints "ready" once the
// prefill is done, then writes until SIGTERM. Usage: bun sqlite-writer.ts <db> [prefillRows]
import { Database } from "bun:sqlite";

const [file, prefillArg] = process.argv.slice(2);
const db = new Database(file);
// No auto-checkpoint: like the server under Litestream (checkpoints=external), the replicator owns checkpoints.
db.exec("PRAGMA journal_mode = WAL; PRAGMA busy_timeout = 10000; PRAGMA synchronous = NORMAL; PRAGMA wal_autocheckpoint = 0");
db.exec("CREATE TABLE IF NOT EXISTS zz_a (id INTEGER PRIMARY KEY, pad BLOB NOT NULL)");
db.exec("CREATE TABLE IF NOT EXISTS zz_b (id INTEGER PRIMARY KEY)");
const insA = db.prepare("INSERT INTO zz_a (id, pad) VALUES (?, randomblob(?))");
const insB = db.prepare("INSERT INTO zz_b (id) VALUES (?)");
let next = ((db.query("SELECT max(id) AS m FROM zz_a").get() as { m: number | null }).m ?? 0) + 1;
const batch = db.transaction((n: number, pad: number) => {
  for (let i = 0; i < n; i++, next++) {
    insA.run(next, pad);
    insB.run(next);
  }
});
const prefill = Number(prefillArg ?? 0);
for (let done = 0; done < prefill; done += 1000) batch(Math.min(1000, prefill - done), 1024);
console.log("ready");
let stop = false;
process.on("SIGTERM", () => (stop = true));
while (!stop) {
  batch(10, 64);
  await Bun.sleep(1);
}
console.log(`wrote ${next - 1}`);
db.close();
