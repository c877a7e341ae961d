#!/usr/bin/env bash
# Runs api_python.py (the official Python client) against a fresh server.
set -uo pipefail
source "$(dirname "$0")/lib/common.sh"
start_server || { fail "server starts"; finish; exit 1; }
/usr/bin/python3 "$(dirname "$0")/api_python.py"
