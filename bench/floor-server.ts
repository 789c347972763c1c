// The floor: a bare Bun.serve answering /healthz with the same JSON as kreditku, nothing else.
const server = Bun.serve({
  port: 0,
  hostname: "127.0.0.1",
  fetch: () => Response.json({ status: "ok" }),
});
console.log(JSON.stringify({ msg: "listening", port: server.port }));
