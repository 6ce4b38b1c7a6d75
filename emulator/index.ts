/**
 * Local Alibaba Cloud API emulator (RAM, STS, ECS + Cloud Assistant, KMS
 * secrets) for tests and demos. See emulator/README.md.
 */
export { startEmulator, DEFAULT_REGION_ID } from "./start-emulator";
export type { EmulatorHandle, EmulatorOptions } from "./start-emulator";
export type { EmulatorControl, CreateUserInput, RegisterInstanceInput, KmsInstanceInput } from "./control/control";
export type { FaultSpec, DropPhase } from "./router/faults";
export type { Clock } from "./core/clock";
