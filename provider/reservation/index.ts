// One reservation = one workload: what it says (body), registering it exactly once (register),
// waiting for its nodes (wait, polling), whose it is (ownership), cancelling it (cancel).
export * from "./body";
export * from "./cancel";
export * from "./ownership";
export * from "./polling";
export * from "./register";
export * from "./status";
export * from "./wait";
