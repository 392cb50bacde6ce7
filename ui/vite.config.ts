// Build and test configuration of the web front end (Vite builds ui/dist, which Tauri embeds).
import { defineConfig } from "vitest/config";

export default defineConfig({
  // Preact's JSX through esbuild's own transform: no framework plugin needed.
  esbuild: { jsx: "automatic", jsxImportSource: "preact" },
  clearScreen: false,
  build: {
    outDir: "dist",
    emptyOutDir: true,
    target: "es2022",
    // Tauri serves the files itself; keep them as files, never inlined data: URLs (strict CSP).
    assetsInlineLimit: 0,
    sourcemap: false,
  },
  server: { port: 1420, strictPort: true },
  test: {
    environment: "jsdom",
    include: ["src/**/*.test.ts", "src/**/*.test.tsx"],
    setupFiles: ["src/test/setup.ts"],
  },
});
