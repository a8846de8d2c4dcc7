#!/usr/bin/env bash
# The policy sub-project's tests: shellcheck over its scripts, then the pytest suite (a stand-in
# mmapplypolicy; no GPFS needed). Needs bash, Python 3 with pytest, and shellcheck. Tests that
# need the `scanlake` command or a Slurm cluster skip without them; POLICY_TESTS_REQUIRE
# (e.g. scanlake,slurm,sudo) makes them fail instead. Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
python="${PYTHON:-python3}"
echo "== shellcheck" >&2
shellcheck bin/run-scan bin/submit-scan bin/staff-scan tests/run.sh install.sh
echo "== pytest" >&2
"$python" -m pytest -q -p no:cacheprovider tests "$@"
