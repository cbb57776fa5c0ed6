#!/bin/sh
# A toy EDR integration: answers isolate_host and fails anything else.
req=$(cat)
case "$req" in
*'"operation":"isolate_host"'*) echo '{"outputs": {"isolated": true}}' ;;
*) echo '{"error": "unsupported operation"}' ;;
esac
