export { mean } from "./mean.ts";
export { variance } from "./variance.ts";
export { deviation } from "./deviation.ts";
export { rank } from "./rank.ts";
export { pearson } from "./pearson.ts";
export { spearman } from "./spearman.ts";
