#!/bin/sh
# One-off set-up of the compose cluster, run by the kafka-setup service (apache/kafka image):
# SCRAM users for the pipeline's roles. The ACLs follow in one request (the acls service:
# `ketenstroom deploy acls --apply`); acls.sh is the same as kafka-acls.sh calls.
# It talks to the brokers' internal listener, which is bound to the broker-only network.
set -eu
export PATH="/opt/kafka/bin:$PATH"
export BOOTSTRAP=kafka-1.intern:19092
export ADMIN_CONFIG=/tmp/admin.properties
echo "security.protocol=PLAINTEXT" > "$ADMIN_CONFIG"

until kafka-broker-api-versions.sh --bootstrap-server "$BOOTSTRAP" >/dev/null 2>&1; do
  echo "waiting for Kafka ..."; sleep 2
done

scram() {  # user password
  kafka-configs.sh --bootstrap-server "$BOOTSTRAP" --command-config "$ADMIN_CONFIG" --alter \
    --add-config "SCRAM-SHA-512=[password=$2]" --entity-type users --entity-name "$1"
}
scram admin "$ADMIN_PASSWORD"
scram ketenstroom-router "$ROUTER_PASSWORD"
scram ketenstroom-beheer "$OPERATOR_PASSWORD"
scram ketenstroom-herhaling "$REPLAYER_PASSWORD"
scram ketenstroom-convenant "$COVENANT_PASSWORD"
scram ketenstroom-herleiding "$REIDENTIFIER_PASSWORD"
scram ketenstroom-verantwoording "$ACCOUNTABILITY_PASSWORD"
# Partners get their user when they join: scram <partner-id> <password>, from a secret store.
echo "users in place"
