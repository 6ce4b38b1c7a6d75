import js from "@eslint/js";
import tseslint from "typescript-eslint";

export default tseslint.config(
  { ignores: ["dist/", "coverage/", "node_modules/", "docs/api/", ".scratch/"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ["**/*.cjs"],
    languageOptions: { sourceType: "commonjs", globals: { require: "readonly", module: "writable", process: "readonly" } },
  },
  {
    rules: {
      // Provider methods require() SDKs lazily so the serialized provider stays small.
      "@typescript-eslint/no-require-imports": "off",
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
    },
  },
  {
    // The test kit serves tests, bench and examples alike, so it may not reach into any of them.
    files: ["testkit/**/*.ts"],
    rules: { "no-restricted-imports": ["error", { patterns: ["**/tests/**", "**/bench/**", "**/examples/**"] }] },
  },
  {
    // Bench and examples share the test kit with tests, never the tests themselves.
    files: ["bench/**/*.ts", "examples/**/*.ts"],
    rules: { "no-restricted-imports": ["error", { patterns: ["**/tests/**"] }] },
  },
);
