#!/usr/bin/env bash
# `npm run screenshot`: writes docs/screenshot.png (the README's picture) from the built app, with the one e2e spec
# that takes it (e2e/screenshot.spec.ts). Builds first when dist/ is missing or older than the sources.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-chromium.sh
if [ ! -f dist/index.html ] || [ -n "$(find src public index.html vite.config.ts -newer dist/index.html -print -quit)" ]; then
  npx vite build
fi
NEXTTOKEN_SCREENSHOT=1 npx playwright test
