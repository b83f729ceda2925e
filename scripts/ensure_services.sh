#!/usr/bin/env bash
# Makes sure PostgreSQL and Redis answer at DATABASE_URL / REDIS_URL for the tests.
# When nothing answers on the default loopback ports, installs and starts local servers.
set -euo pipefail
db_url=${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/ganzhou}
redis_url=${REDIS_URL:-redis://127.0.0.1:6379/0}

hostport() {  # scheme://[user[:pw]@]host:port/... -> "host port"
  local rest=${1#*://}; rest=${rest#*@}; rest=${rest%%/*}
  echo "${rest%:*} ${rest##*:}"
}
answers() { timeout 2 bash -c "exec 3<>/dev/tcp/$1/$2" 2>/dev/null; }

read -r pg_host pg_port <<<"$(hostport "$db_url")"
read -r redis_host redis_port <<<"$(hostport "$redis_url")"

if ! answers "$pg_host" "$pg_port"; then
  echo "PostgreSQL does not answer at $pg_host:$pg_port; starting a local server"
  if ! ls /etc/postgresql/*/main >/dev/null 2>&1; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
    version=$(ls /etc/postgresql | head -n1)
    sed -i 's/^\(local\|host\).*$/# &/' /etc/postgresql/"$version"/main/pg_hba.conf
    printf 'local all all trust\nhost all all 127.0.0.1/32 trust\nhost all all ::1/128 trust\n' \
      >>/etc/postgresql/"$version"/main/pg_hba.conf
  fi
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n1)" main start || true
  for _ in $(seq 30); do answers "$pg_host" "$pg_port" && break; sleep 1; done
fi
if ! answers "$redis_host" "$redis_port"; then
  echo "Redis does not answer at $redis_host:$redis_port; starting a local server"
  command -v redis-server >/dev/null || {
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server >/dev/null
  }
  mkdir -p /var/lib/redis /var/log/redis
  redis-server --daemonize yes --bind 127.0.0.1 --port "$redis_port" --save "" --appendonly no \
    --dir /var/lib/redis --logfile /var/log/redis/ganzhou-test.log
  for _ in $(seq 30); do answers "$redis_host" "$redis_port" && break; sleep 1; done
fi
answers "$pg_host" "$pg_port" || { echo "PostgreSQL is still not answering" >&2; exit 1; }
answers "$redis_host" "$redis_port" || { echo "Redis is still not answering" >&2; exit 1; }
