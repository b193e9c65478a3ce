// The suite every spec package passes against its built dist/: the loader and the stamped version.
import { fileURLToPath } from "node:url";
import { describeSpecPackage } from "../../../scripts/spec-loader/package.suite.js";

describeSpecPackage(fileURLToPath(new URL("..", import.meta.url)));
