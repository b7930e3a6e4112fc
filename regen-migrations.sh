#!/usr/bin/env bash
# Developer tool: re-creates the Initial migration of both providers. Only valid while no release has shipped;
# once one has, add a new migration instead (see docs/architecture.md).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
dotnet tool restore >/dev/null
for p in Sqlite Postgres; do
  rm -rf "src/Handoff.Migrations.$p/Migrations"
  dotnet ef migrations add Initial --project "src/Handoff.Migrations.$p" --startup-project "src/Handoff.Migrations.$p" --output-dir Migrations >/dev/null
  rm -f "src/Handoff.Migrations.$p/design-time.db"
done
echo "migrations regenerated"
