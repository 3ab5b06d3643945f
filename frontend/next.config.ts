import type { NextConfig } from "next";
import { PHASE_DEVELOPMENT_SERVER } from "next/constants";

// Paths the FastAPI server answers; `next dev` forwards them so the dashboard runs on one origin.
const API_PATHS = ["/api/:path*", "/docs", "/docs/:path*", "/openapi.json", "/metrics"];

const shared: NextConfig = {
  // Every page becomes dir/index.html, which Starlette's StaticFiles(html=True) serves as-is.
  trailingSlash: true,
  images: { unoptimized: true },
  reactStrictMode: true,
};

export default function config(phase: string): NextConfig {
  if (phase !== PHASE_DEVELOPMENT_SERVER) {
    // The production build is a static export served by the API at `/`: no rewrites exist there.
    return { ...shared, output: "export" };
  }
  const target = process.env.DISTILLERY_API_URL ?? "http://127.0.0.1:8000";
  return {
    ...shared,
    // FastAPI has no trailing slashes: without this, /api/v1/x would bounce to /api/v1/x/ and back.
    skipTrailingSlashRedirect: true,
    async rewrites() {
      return API_PATHS.map((source) => ({ source, destination: `${target}${source}` }));
    },
  };
}
