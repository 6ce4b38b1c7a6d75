export { EcsSecret, type EcsSecretArgs, ECS_SECRET_OUTPUTS } from "./ecs-secret";
export { RamSecret, type RamSecretArgs, RAM_SECRET_OUTPUTS } from "./ram-secret";
export { RotationRunner, type RotationRunnerArgs } from "./rotation-runner";
