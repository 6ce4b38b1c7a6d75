import { runnerStack } from "./program";

const outputs = runnerStack();
export const functionName = outputs.functionName;
export const roleArn = outputs.roleArn;
export const triggerName = outputs.triggerName;
export const alarmRuleName = outputs.alarmRuleName;
