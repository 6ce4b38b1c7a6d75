export { EcsSecret, type EcsSecretArgs, ECS_SECRET_OUTPUTS } from "./ecs-secret";
