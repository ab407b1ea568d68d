import { defineConfig } from "vite";

// Plain Vite with esbuild's JSX transform pointed at Preact: no framework plugin needed.
// `modulePreload.polyfill` is off because it would inject an inline script, which the server's
// Content-Security-Policy forbids; every target browser supports module preload natively.
export default defineConfig({
  esbuild: { jsx: "automatic", jsxImportSource: "preact" },
  build: {
    outDir: "dist",
    emptyOutDir: true,
    target: "es2020",
    modulePreload: { polyfill: false },
    assetsInlineLimit: 0,
    reportCompressedSize: true,
  },
  server: {
    proxy: { "/api": "http://127.0.0.1:8080", "/ack": "http://127.0.0.1:8080" },
  },
});
