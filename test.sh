#!/usr/bin/env bash
# Builds lep, fetches the test data that is missing (build/test-data.sh; nothing on our machines and in CI, where
# ../shared/data has it) and runs the whole test suite; a test that hangs for 15 min is killed and named (a CI run
# must end with a reason, never at its time limit). Usage: ./test.sh [extra dotnet test args, e.g. --filter Modeling]
set -euo pipefail
cd "$(dirname "$0")"
bash build/prerequisites.sh --tests
dotnet restore Lep.slnx --nologo -v q
# The style .editorconfig declares, and the analyzers' warnings (fix: `dotnet format Lep.slnx`; ~1 min on 2 cores).
dotnet format Lep.slnx --verify-no-changes --no-restore -v q
bash build/test-data.sh
dotnet build Lep.slnx -c Release --no-restore --nologo -v q -clp:ErrorsOnly
log=$(mktemp)
set +e
dotnet test tests/Lep.Tests -c Release --no-build --nologo --blame-hang-timeout 15m --blame-hang-dump-type none "$@" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
set -e
summary=$(grep -E '(Passed|Failed)! +- Failed: +[0-9]+, Passed: +[0-9]+, Skipped: +[0-9]+' "$log" | tail -n 1)
rm -f "$log"
if [ -n "$summary" ]; then
  failed=$(sed -E 's/.*Failed: +([0-9]+).*/\1/' <<< "$summary")
  passed=$(sed -E 's/.*Passed: +([0-9]+).*/\1/' <<< "$summary")
  skipped=$(sed -E 's/.*Skipped: +([0-9]+).*/\1/' <<< "$summary")
  echo "tests: $passed passed, $failed failed, $skipped skipped"
fi
exit "$status"
