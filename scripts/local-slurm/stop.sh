#!/usr/bin/env bash
# Stops the cluster start.sh started: cancels its queue first (or job processes outlive slurmd),
# then stops slurmd, slurmctld, slurmdbd, its MariaDB server and munged by their pid files. Other
# Slurm and database daemons are not touched.
set -uo pipefail
dir="${SCANLAKE_SLURM_DIR:-$HOME/.cache/scanlake-slurm}"
[ -f "$dir/slurm.conf" ] || exit 0
export SLURM_CONF="$dir/slurm.conf"
if [ -f "$dir/slurmctld.pid" ] && kill -0 "$(cat "$dir/slurmctld.pid")" 2>/dev/null; then
    mapfile -t jobs < <(squeue -h -o %i 2>/dev/null)
    [ ${#jobs[@]} -eq 0 ] || scancel --full --quiet "${jobs[@]}" 2>/dev/null || true
    for _ in $(seq 50); do [ -z "$(squeue -h -o %i 2>/dev/null)" ] && break; sleep 0.1; done
fi
for pidfile in "$dir/slurmd.pid" "$dir/slurmctld.pid" "$dir/slurmdbd.pid" "$dir/db/mysqld.pid" "$dir/munge/munged.pid"; do
    [ -f "$pidfile" ] || continue
    pid="$(cat "$pidfile")"
    if kill -0 "$pid" 2>/dev/null; then
        kill "$pid"
        for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -0 "$pid" 2>/dev/null && kill -9 "$pid"
    fi
    rm -f "$pidfile"
done
echo "local-slurm: stopped (state kept in $dir)" >&2
