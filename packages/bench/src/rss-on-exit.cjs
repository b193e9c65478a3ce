// Preloaded into a command the bench runs (`node --require rss-on-exit.cjs …`): prints the process's peak resident
// memory as its last stderr line, which the bench reads.
process.on("exit", () => {
  process.stderr.write(`\nbench-peak-rss=${process.resourceUsage().maxRSS * 1024}\n`);
});
