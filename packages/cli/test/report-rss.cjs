// Preloaded into the command by the memory test (node -r): prints the process's peak resident set size at exit.
const { writeSync } = require("node:fs");
process.on("exit", () => writeSync(2, `\npeak-rss-kb=${process.resourceUsage().maxRSS}\n`));
