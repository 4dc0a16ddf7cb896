// The basic system of seed 000 under pm2: PRODUCERS producers, CONSUMERS consumers, one
// manager and one ops app, each its own process, all sharing one queue (JOBQ_URL).
//
//   cargo build --release --bin jobq
//   PRODUCERS=3 CONSUMERS=5 pm2 start deploy/pm2/ecosystem.config.js
//   pm2 status            # the processes
//   pm2 logs consumer-1   # what one of them does
//   pm2 delete deploy/pm2/ecosystem.config.js
//
// Every process is restarted when the jobq binary changes (a new build) and stopped with
// SIGINT, which lets a consumer finish the job in hand before it exits.

const path = require("path");

const root = path.resolve(__dirname, "..", "..");
const jobq = process.env.JOBQ_BIN || path.join(root, "target", "release", "jobq");
const url = process.env.JOBQ_URL || "sqlite:" + path.join(root, "jobq.db");
const speed = process.env.SPEED || "1";

function count(name, fallback) {
  const n = Number(process.env[name] || fallback);
  if (!Number.isInteger(n) || n < 0) {
    throw new Error(`${name}=${process.env[name]} is not a number of processes`);
  }
  return n;
}

function role(name, args) {
  return {
    name,
    script: jobq,
    args: ["demo", "--speed", speed, ...args],
    interpreter: "none",
    cwd: root,
    env: { JOBQ_URL: url },
    watch: [jobq],
    autorestart: true,
    // Consumers work up to 15 s on a job; give them that long to finish it.
    kill_timeout: 20000,
  };
}

const producers = Array.from({ length: count("PRODUCERS", 2) }, (_, i) =>
  role(`producer-${i + 1}`, ["producer", "--name", `producer-${i + 1}`]),
);
const consumers = Array.from({ length: count("CONSUMERS", 3) }, (_, i) =>
  role(`consumer-${i + 1}`, ["consumer", "--name", `consumer-${i + 1}`]),
);

module.exports = {
  apps: [...producers, ...consumers, role("manager", ["manager"]), role("ops", ["ops"])],
};
