#!/usr/bin/env bash
# Starts a one-node Slurm cluster on localhost for scanlake's integration tests: Debian's munge,
# slurmctld and slurmd, and job accounting (slurmdbd over a MariaDB server of its own on
# 127.0.0.1), installed with apt-get if missing; all state under one directory, no systemd, no
# cgroups. Prints the file to source for SLURM_CONF. Stop it with stop.sh.
#
#   eval "$(scripts/local-slurm/start.sh)"      # exports SLURM_CONF
#
# State directory: $SCANLAKE_SLURM_DIR, default ~/.cache/scanlake-slurm. MariaDB listens on
# 127.0.0.1:$SCANLAKE_SLURM_DB_PORT (default 16033), slurmdbd on localhost:6819.
# For its own test: $SCANLAKE_POLICY_RC (default /usr/sbin/policy-rc.d) and
# SCANLAKE_SLURM_INSTALL_ONLY=1 (stop after installing).
set -Eeuo pipefail
trap 'echo "local-slurm: start.sh failed at line $LINENO (exit $?)" >&2' ERR
dir="${SCANLAKE_SLURM_DIR:-$HOME/.cache/scanlake-slurm}"
log() { echo "local-slurm: $*" >&2; }

install_packages() {
    local missing=()
    for cmd in munged mungekey slurmctld slurmd sbatch slurmdbd sacctmgr mariadbd mariadb-install-db; do
        command -v "$cmd" >/dev/null 2>&1 || missing+=("$cmd")
    done
    [ ${#missing[@]} -eq 0 ] && return
    log "installing munge, slurm and mariadb (missing: ${missing[*]})"
    # Keep apt from starting system-wide daemons (no systemd here; ours run from $dir).
    local rc="${SCANLAKE_POLICY_RC:-/usr/sbin/policy-rc.d}" added=
    if [ ! -e "$rc" ]; then
        printf '#!/bin/sh\nexit 101\n' >"$rc" && chmod +x "$rc" && added=1
    fi
    DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
        munge slurmctld slurmd slurm-client slurmdbd mariadb-server >&2
    if [ -n "$added" ]; then rm -f "$rc"; fi
}

running() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

install_packages
[ "${SCANLAKE_SLURM_INSTALL_ONLY:-}" = 1 ] && exit 0
mkdir -p "$dir"/{munge,ctld,spool,log,db}
chmod 711 "$dir" "$dir/munge"   # munged refuses a socket directory without o+x
chmod 700 "$dir/ctld" "$dir/spool"
host="$(hostname -s)"
socket="$dir/munge/munge.socket"

if ! running "$dir/munge/munged.pid"; then
    [ -f "$dir/munge/munge.key" ] || mungekey --create --keyfile="$dir/munge/munge.key" >&2
    chmod 600 "$dir/munge/munge.key"
    munged --force --key-file="$dir/munge/munge.key" --socket="$socket" \
        --pid-file="$dir/munge/munged.pid" --log-file="$dir/log/munged.log" \
        --seed-file="$dir/munge/munge.seed" >&2
fi

# Accounting: a MariaDB server of the cluster's own (data in $dir/db, TCP on loopback only) and
# slurmdbd over it. A datadir is made once; starting it again takes a fraction of a second.
db_port="${SCANLAKE_SLURM_DB_PORT:-16033}"
db_socket="$dir/db/mysqld.sock"
sql() { mariadb --no-defaults --socket="$db_socket" -uroot -e "$1"; }
if ! running "$dir/db/mysqld.pid"; then
    if [ ! -d "$dir/db/data/mysql" ]; then
        rm -rf "$dir/db/data"
        mariadb-install-db --no-defaults --datadir="$dir/db/data" --user="$(id -un)" \
            --auth-root-authentication-method=normal --skip-test-db >"$dir/log/mariadb-install.log" 2>&1
    fi
    setsid -f mariadbd --no-defaults --datadir="$dir/db/data" --socket="$db_socket" --port="$db_port" \
        --bind-address=127.0.0.1 --pid-file="$dir/db/mysqld.pid" --log-error="$dir/log/mariadb.log" \
        --user="$(id -un)" --skip-name-resolve --innodb-buffer-pool-size=32M >/dev/null 2>&1
    for _ in $(seq 100); do sql "SELECT 1" >/dev/null 2>&1 && break; sleep 0.1; done
fi
sql "CREATE DATABASE IF NOT EXISTS slurm_acct_db;
     CREATE USER IF NOT EXISTS 'slurm'@'127.0.0.1' IDENTIFIED BY 'scanlake';
     GRANT ALL ON slurm_acct_db.* TO 'slurm'@'127.0.0.1';" >&2
cat >"$dir/slurmdbd.conf" <<CONF
AuthType=auth/munge
AuthInfo=socket=$socket
DbdHost=localhost
SlurmUser=$(id -un)
PidFile=$dir/slurmdbd.pid
LogFile=$dir/log/slurmdbd.log
StorageType=accounting_storage/mysql
StorageHost=127.0.0.1
StoragePort=$db_port
StorageUser=slurm
StoragePass=scanlake
StorageLoc=slurm_acct_db
CONF
chmod 600 "$dir/slurmdbd.conf"

# The node line as slurmd sees the machine (CPUs, sockets, cores, memory).
node="$(slurmd -C | head -1)"
cat >"$dir/slurm.conf" <<CONF
ClusterName=scanlake
SlurmctldHost=$host
AuthType=auth/munge
AuthInfo=socket=$socket
CredType=cred/munge
SlurmUser=$(id -un)
SlurmdUser=$(id -un)
StateSaveLocation=$dir/ctld
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
SlurmctldLogFile=$dir/log/slurmctld.log
SlurmdLogFile=$dir/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/linux
JobAcctGatherFrequency=task=1
AccountingStorageType=accounting_storage/slurmdbd
AccountingStorageHost=localhost
AccountingStoragePass=$socket
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
SchedulerParameters=batch_sched_delay=0
SlurmdParameters=config_overrides
JobCompType=jobcomp/filetxt
JobCompLoc=$dir/log/jobcomp.txt
ReturnToService=2
MpiDefault=none
MinJobAge=300
$node State=UNKNOWN
PartitionName=debug Nodes=$host Default=YES MaxTime=INFINITE State=UP
CONF
export SLURM_CONF="$dir/slurm.conf"
echo "export SLURM_CONF=$dir/slurm.conf" >"$dir/env"

# slurmdbd reads slurmdbd.conf beside SLURM_CONF's file. The cluster must be known to it before
# slurmctld registers.
running "$dir/slurmdbd.pid" || slurmdbd
for _ in $(seq 100); do timeout 2 sacctmgr -n -P show cluster >/dev/null 2>&1 && break; sleep 0.1; done
if ! timeout 5 sacctmgr -n -P show cluster format=cluster 2>/dev/null | grep -qx scanlake; then
    sacctmgr -i add cluster scanlake >&2
fi

# By their command names: Slurm picks a daemon's role from argv[0].
running "$dir/slurmctld.pid" || slurmctld
running "$dir/slurmd.pid" || slurmd

# Ready when the node has registered (SlurmdStartTime set) and is idle.
for _ in $(seq 100); do
    line="$(scontrol show node "$host" -o 2>/dev/null || true)"
    if [[ "$line" == *"State=IDLE"* && "$line" != *"SlurmdStartTime=None"* ]]; then
        log "cluster up: node $host idle (state in $dir)"
        cat "$dir/env"
        exit 0
    fi
    sleep 0.1
done
log "the node did not become idle; logs in $dir/log"
scontrol show node "$host" >&2 || true
exit 1
